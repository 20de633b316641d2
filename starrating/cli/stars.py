"""`flask --app starrating stars ...`: compute a term's stars, finalize due notice periods."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db
from ..services.results import compute_term
from ..services.terms import find_term
from ..services.workflow import finalize_due
from .common import fail

stars_cli = AppGroup("stars", help="Compute star results and run the publishing workflow.")


@stars_cli.command("compute")
@click.option("--term", "term_name", default=None,
              help="Term name or id (default: the current term).")
def compute_command(term_name):
    """Compute and store every non-final class's results for the term."""
    try:
        term = find_term(term_name)
        summary = compute_term(None, term)
    except DomainError as e:
        fail(e.message)
    db.session.commit()
    click.echo(f"{term.name}: {summary.students} students in {len(summary.classes)} classes; "
               f"{summary.inserted} new, {summary.updated} changed, {summary.unchanged} "
               f"unchanged, {summary.deleted} removed; {len(summary.skipped_final)} final "
               f"classes skipped.")


@stars_cli.command("finalize-due")
def finalize_due_command():
    """Finalize published classes whose notice period has ended with no appeal open."""
    count = finalize_due()
    db.session.commit()
    click.echo(f"{count} classes finalized.")
