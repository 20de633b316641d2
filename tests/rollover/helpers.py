"""Whole-table snapshots and the rollover/cohort form posts shared by these tests."""

from __future__ import annotations

import re

import sqlalchemy as sa

from starrating.extensions import db


def tables() -> dict[str, list[dict]]:
    """Every row of every table, as dicts ordered by primary key (the session is expired
    first, so this reads what is committed)."""
    db.session.expire_all()
    out = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns))
        out[table.name] = [dict(r) for r in rows.mappings()]
    db.session.rollback()
    return out


# The page version (page_cache.py) counts every committed write; it is bookkeeping, not
# something a step copies or changes.
BOOKKEEPING = {"page_version"}


def changed_tables(before: dict, after: dict) -> set[str]:
    return {name for name in before
            if name not in BOOKKEEPING and before[name] != after[name]}


def new_rows(before: dict, after: dict, name: str) -> list[dict]:
    """Rows of `name` after that were not there before (the old ones must be unchanged)."""
    old = before[name]
    assert after[name][:len(old)] == old, f"existing rows of {name} changed"
    return after[name][len(old):]


def plan_of(html: str) -> str:
    match = re.search(r'name="plan" value="([0-9a-f]+)"', html)
    assert match, "no plan fingerprint in the preview"
    return match.group(1)


def preview_then_confirm(actor, url: str, data: dict):
    """POST the form to preview, then confirm with the preview's fingerprint."""
    preview = actor.post(url, {**data, "preview": "1"})
    assert preview.status_code == 200, preview.get_data(as_text=True)
    plan = plan_of(preview.get_data(as_text=True))
    return actor.post(f"{url}/confirm", {**data, "plan": plan, "confirm": "1"})


def speaking(act, user, lang: str = "en"):
    """An actor for `user` whose pages are in `lang` (set before any table snapshot: the
    choice is stored on the account)."""
    actor = act(user)
    assert actor.post(f"/lang/{lang}").status_code == 302
    return actor
