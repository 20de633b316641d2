# Importing the view modules registers their routes on the blueprint.
from . import evaluation_views, registry, views  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
