"""Kept for the flag and workflow pages until they call the services directly: the term
list (`admin_reads.term_choices`) and the chosen term (`terms.term_for`). New code should
use those two; this module can then go."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from ..models import Term
from ..services import admin_reads
from ..services.terms import term_for


def terms() -> list[Term]:
    return admin_reads.term_choices(current_user)


def chosen_term(all_terms: list[Term] | None = None) -> Term | None:
    """The term named by ?term=<id> (of the admin's school), else the current term."""
    return term_for(current_user, request.args.get("term"))
