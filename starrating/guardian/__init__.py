# Importing the view modules registers their routes on the blueprints.
from . import families_views, inbox_views, views  # noqa: F401
from .blueprint import bp, families_bp, inbox_bp

__all__ = ["bp", "families_bp", "inbox_bp"]
