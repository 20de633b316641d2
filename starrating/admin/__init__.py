# Importing the view modules registers their routes on the blueprint.
from . import audit, dashboard, flags, imports, reports, rules, setup, views, workflow  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
