"""What every command shares: the one way a command refuses and stops."""

from __future__ import annotations

from typing import NoReturn

import click
from flask import has_app_context

from ..extensions import db


def fail(message: object, prefix: str = "Error: ") -> NoReturn:
    """Drop the session's changes, say what is wrong on stderr and stop with exit code 1."""
    if has_app_context():
        db.session.rollback()
    click.echo(f"{prefix}{message}", err=True)
    raise SystemExit(1)
