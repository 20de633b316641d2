"""Exports: the term's workbook (xlsx.py), report cards (pdf.py), background jobs (jobs.py)."""
