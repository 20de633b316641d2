# Importing the view modules registers their routes on the blueprint.
from . import dashboard, schools  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
