"""Shared by the page-store and fragment tests."""

from __future__ import annotations

from datetime import date

from starrating import create_app
from starrating.extensions import db
from starrating.models import Entry
from tests.conftest import _config_dict


def entry_from_another_server(app, term_id: int, student_id: int) -> None:
    """Commit an entry through a second app instance on the same database — another server
    process: its own engine, pool, page store and fragments."""
    db.session.rollback()
    other = create_app({**_config_dict(),
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "STARRATING_FILES_DIR": app.config["STARRATING_FILES_DIR"]})
    with other.app_context():
        db.session.add(Entry(term_id=term_id, student_id=student_id, indicator="moral.service",
                             points_cents=200, occurred_on=date(2026, 9, 2), source="form"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
