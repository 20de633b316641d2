# Importing the view modules registers their routes on the blueprint.
from . import appeals, entry_views, grid, imports, quick_views, views, workflow  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
