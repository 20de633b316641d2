"""Domain logic: plain functions taking the acting user; they flush, never commit."""
