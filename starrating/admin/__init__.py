# Importing the view modules registers their routes on the blueprint.
from . import (  # noqa: F401
    audit,
    city_rules,
    dashboard,
    evaluation,
    flags,
    imports,
    passwords,
    registry,
    registry_staff,
    reports,
    rollover,
    rules,
    setup,
    views,
    workflow,
)
from .blueprint import bp

__all__ = ["bp"]
