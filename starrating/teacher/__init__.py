# Importing the view modules registers their routes on the blueprint.
from . import (  # noqa: F401
    absence_views,
    appeals,
    entry_views,
    evaluation_views,
    grid,
    imports,
    quick_views,
    views,
    workflow,
)
from .blueprint import bp

__all__ = ["bp"]
