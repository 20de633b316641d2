"""Stored star results (StarResult): computing and storing a term's results, and the reads
the workflow needs of them (stored rows, snapshots, distributions). The student's page reads
them in services/student_pages.py.

A computation is one aggregation pass over the term (services/scoring.py) and a fixed
number of statements to store it: one SELECT of the stored rows, one INSERT (COPY on
PostgreSQL) of the new ones, one executemany UPDATE of the changed ones, one DELETE of the
stale ones. A row whose values did not change (the engine's fingerprint) is left alone (its
computed_at too), so recomputing unchanged data stores identical results. A FINAL class's
results never change.

The explanation is stored as the engine's structured reasons (rules/stored.py), not as
text: `explanation` renders it in the reader's language when a page shows it. Rows stored
before that hold the texts in both languages ("zh"/"en"/"next") and are shown as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import page_cache
from ..errors import PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import ClassState, Role, StarResult, Student, Term, User, utcnow
from ..rules import RuleSet, StudentResult, round_score
from ..rules.stored import is_reasons, restore
from ..rules.stored import reasons as result_reasons
from . import audit, entry_input, scoring
from .access import same_school
from .class_state import Frozen, class_states, term_class_ids
from .rule_names import shown


@dataclass
class ComputeSummary:
    term_id: int
    classes: list[int] = field(default_factory=list)  # computed
    skipped_final: list[int] = field(default_factory=list)
    students: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted


def _text(value) -> str | None:
    return None if value is None else str(value)


def next_star_json(result: StudentResult) -> dict:
    out = {}
    for key, dim in result.dimensions.items():
        nxt = dim.next_star
        out[key] = {"reason": nxt.reason, "level": nxt.level,
                    "threshold": _text(scoring.round_score(nxt.threshold)
                                       if nxt.threshold is not None else None),
                    "points_needed": _text(scoring.round_score(nxt.points_needed)
                                           if nxt.points_needed is not None else None),
                    "quota_limited": nxt.quota_limited, "cap": nxt.cap}
    return out


def result_values(result: StudentResult, class_id: int, version_id: int) -> dict:
    """The stored columns of one student's result (JSON-safe, exact scores as text). The
    explanation is stored as the engine's structured reasons (rules/stored.py), rendered in
    the reader's language when shown (`explanation`)."""
    summary = scoring.summarize(result)
    return {
        "class_id": class_id,
        "rule_version_id": version_id,
        "overall_score": summary["overall"]["score"],
        "overall_stars": summary["overall"]["stars"],
        "dimensions": summary["dimensions"],
        "titles": summary["titles"],
        "explain": result_reasons(result),
    }


def store_results(term: Term, class_ids: list[int] | None = None,
                  now: datetime | None = None) -> ComputeSummary:
    """Evaluate and store the results of these classes (all of the term: None), no checks.

    Final classes are skipped; raises Frozen when every class asked for is final.
    """
    if term.rule_version_id is None:
        raise ValidationFailed(_l("This term has no rule set: assign one first."))
    now = now or utcnow()
    wanted = term_class_ids(term) if class_ids is None else sorted(set(class_ids))
    states = class_states(term, wanted, now)  # a class due to be final counts as final
    final = [c for c in wanted if states[c] == ClassState.FINAL]
    targets = [c for c in wanted if states[c] != ClassState.FINAL]
    summary = ComputeSummary(term_id=term.id, classes=targets, skipped_final=final)
    if wanted and not targets:
        raise Frozen(_l("Every class asked for is final: its results no longer change."))
    if not targets:
        return summary
    with scoring.gc_paused():
        return _store(term, targets, now, summary)


def _store(term: Term, targets: list[int], now: datetime, summary: ComputeSummary) -> ComputeSummary:
    results, collected = scoring.evaluate_with_inputs(term, targets)
    class_of = collected.students  # id → (学号, 姓名, class id)
    version_id = term.rule_version_id
    # Only the cheap columns: an unchanged student is recognised by the engine's
    # fingerprint, so neither the stored JSON is decoded nor anything encoded again.
    stored = {row.student_id: row for row in db.session.execute(
        sa.select(StarResult.id, StarResult.student_id, StarResult.class_id,
                  StarResult.rule_version_id, StarResult.fingerprint)
        .where(StarResult.term_id == term.id,
               # a row of a student now in these classes may be under their old class; the
               # subquery, not the 50,000 ids of a term (binding them cost seconds)
               sa.or_(StarResult.class_id.in_(targets),
                      StarResult.student_id.in_(
                          sa.select(Student.id).where(Student.class_id.in_(targets))))))}
    encode = _RowEncoder(collected.rules).encode
    inserts, updates = [], []
    for sid, result in results.items():
        fingerprint = result.fingerprint()
        class_id = class_of[sid][2]
        old = stored.get(sid)
        if old is None:
            inserts.append((sid, class_id, fingerprint, *encode(result)))
            continue
        if (old.fingerprint == fingerprint and old.class_id == class_id
                and old.rule_version_id == version_id):
            summary.unchanged += 1
            continue
        values = result_values(result, class_id, version_id)
        updates.append({"id": old.id, "computed_at": now, "fingerprint": fingerprint, **values})
    stale = [row.id for sid, row in stored.items()
             if sid not in results and row.class_id in targets]
    if inserts:
        _insert_results(term.id, version_id, now, inserts)
    if updates:
        db.session.execute(sa.update(StarResult), updates)
    if stale:
        db.session.execute(sa.delete(StarResult).where(StarResult.id.in_(stale)))
    # rows changed behind the session's back: drop any loaded StarResult objects
    if inserts or updates or stale:
        for obj in [o for o in db.session.identity_map.values() if isinstance(o, StarResult)]:
            db.session.expire(obj)
    summary.students = len(results)
    summary.inserted, summary.updated, summary.deleted = len(inserts), len(updates), len(stale)
    return summary


class _RowEncoder:
    """A new row's computed columns as stored text, without a dict or a json.dumps per
    value: (overall_score, overall_stars, dimensions JSON, titles JSON, explain JSON), equal
    once decoded to what `result_values` gives (tests/workflow/test_results.py)."""

    def __init__(self, rules: RuleSet):
        keys = [d.key for d in rules.dimensions]
        # '{"moral":{"score":"' … '","stars":' … '},"skill":{"score":"' …
        self._heads = [("{" if i == 0 else "},") + json.dumps(k, ensure_ascii=False) + ':{"score":"'
                       for i, k in enumerate(keys)]
        self._titles: dict[tuple[str, ...], str] = {}

    def encode(self, result: StudentResult) -> tuple:
        parts = []
        for head, d in zip(self._heads, result.dimensions.values(), strict=True):
            parts += (head, str(round_score(d.score)), '","stars":', str(d.stars))
        parts.append("}}" if parts else "{}")
        titles = tuple(result.titles)
        titles_json = self._titles.get(titles)
        if titles_json is None:
            titles_json = self._titles[titles] = json.dumps(list(titles), ensure_ascii=False)
        score = result.overall_score
        return (None if score is None else str(round_score(score)), result.overall_stars,
                "".join(parts), titles_json, result.reasons_json())


#: what `_RowEncoder.encode` gives, after the row's student, class and fingerprint
_INSERT_COLUMNS = ("term_id", "rule_version_id", "computed_at", "student_id", "class_id", "fingerprint",
                   "overall_score", "overall_stars", "dimensions", "titles", "explain")


def _insert_results(term_id: int, version_id: int, now: datetime, rows: list[tuple]) -> None:
    """New result rows (student, class, fingerprint and `_RowEncoder.encode`'s columns) in
    one statement, the JSON columns already encoded: PostgreSQL COPY (psycopg 3), elsewhere
    one executemany of a prepared INSERT (the DB-API's loop in C; SQLAlchemy's multi-row
    INSERT spent seconds per 50,000 rows building parameters and encoding JSON)."""
    conn = db.session.connection()
    names = ", ".join(f'"{c}"' for c in _INSERT_COLUMNS)
    if conn.dialect.name == "postgresql":
        head = (term_id, version_id, _naive_utc(now))
        with conn.connection.driver_connection.cursor() as cursor, \
                cursor.copy(f"COPY star_result ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(head + row)
        page_cache.note_write(conn)  # COPY goes around SQLAlchemy's statement events
        return
    to_db = StarResult.__table__.c.computed_at.type.bind_processor(conn.dialect)
    head = (term_id, version_id, to_db(now) if to_db else now)
    marks = ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * len(_INSERT_COLUMNS))
    sql = f"INSERT INTO star_result ({names}) VALUES ({marks})"  # noqa: S608 (constant names)
    conn.exec_driver_sql(sql, [head + row for row in rows])


def _naive_utc(value):
    """COPY bypasses the column types: an aware datetime is stored as naive UTC, as
    UTCDateTime stores it."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def compute_term(actor: User | None, term: Term, class_ids: list[int] | None = None,
                 now: datetime | None = None) -> ComputeSummary:
    """Compute and store the term's results (an admin of the school; None = the CLI)."""
    if actor is not None and (actor.role != Role.ADMIN or not same_school(actor, term.school_id)):
        raise PermissionDenied()
    summary = store_results(term, class_ids, now=now)
    audit.record(actor, "compute", object_type="term", object_id=term.id, term_id=term.id,
                 school_id=term.school_id,
                 after={"classes": summary.classes, "students": summary.students,
                        "inserted": summary.inserted, "updated": summary.updated,
                        "deleted": summary.deleted, "skipped_final": summary.skipped_final})
    db.session.flush()
    return summary


# ---- reading -------------------------------------------------------------------------------

def stored_result(term: Term, student: Student) -> StarResult | None:
    return db.session.scalar(sa.select(StarResult).where(
        StarResult.term_id == term.id, StarResult.student_id == student.id))


def explanation(row: StarResult, rules: RuleSet, lang: str) -> tuple[list[str], dict]:
    """A stored result's explanation lines in `lang` ("zh", else English) and each
    dimension's next-star advice, rendered from its stored reasons with the rules of its
    version (`rules`), as the engine renders them at evaluation. A row stored before the
    reasons were (it holds the texts, "zh"/"en"/"next") shows what it holds."""
    data = row.explain or {}
    lang = "zh" if lang == "zh" else "en"
    if is_reasons(data):
        result = restore(rules, data, row.titles or [])
        return result.explain(lang), next_star_json(result)
    return list(data.get(lang, [])), data.get("next", {})


def stars_snapshot(row: StarResult | None) -> dict | None:
    """The part of a result an appeal's before/after shows."""
    if row is None:
        return None
    return {"overall_stars": row.overall_stars, "overall_score": row.overall_score,
            "dimensions": {k: dict(v) for k, v in (row.dimensions or {}).items()},
            "titles": list(row.titles or [])}




def indicator_labels(term: Term | None) -> dict[str, str]:
    """"dimension.indicator" → "思想品德 · 志愿服务" for the term's rules."""
    return entry_input.indicator_labels(scoring.term_rules(term) if term is not None else None)


def dimension_names(term: Term | None) -> dict[str, str]:
    rules = scoring.term_rules(term) if term is not None else None
    return {d.key: shown(d) for d in rules.dimensions} if rules else {}


@dataclass
class Distribution:
    """Students per star level, overall and per dimension, of one class."""

    overall: list[int]
    dimensions: dict[str, list[int]]
    stored: bool  # from the stored results (else evaluated now)


def distributions(term: Term, class_ids, stored_ids=()) -> dict[int, Distribution]:
    """Star distribution per class: stored results for `stored_ids`, evaluated now for the rest.

    One evaluation pass and one query, however many classes and students.
    """
    rules = scoring.term_rules(term)
    if rules is None:
        return {}
    top = rules.max_stars
    keys = [d.key for d in rules.dimensions]
    ids = list(class_ids)
    out = {cid: Distribution([0] * (top + 1), {k: [0] * (top + 1) for k in keys},
                             cid in stored_ids) for cid in ids}

    def add(cid, overall, dims):
        dist = out[cid]
        dist.overall[min(overall, top)] += 1
        for k, stars in dims.items():
            if k in dist.dimensions:
                dist.dimensions[k][min(stars, top)] += 1

    stored_list = [c for c in ids if c in stored_ids]
    live = [c for c in ids if c not in stored_ids]
    if stored_list:
        for cid, overall, dims in db.session.execute(
                sa.select(StarResult.class_id, StarResult.overall_stars, StarResult.dimensions)
                .where(StarResult.term_id == term.id, StarResult.class_id.in_(stored_list))):
            add(cid, overall, {k: v["stars"] for k, v in (dims or {}).items()})
    if live:
        for result in scoring.evaluate_term(term, live, rules).values():
            cid = int(result.class_.split(":", 1)[0])
            add(cid, result.overall_stars, {k: d.stars for k, d in result.dimensions.items()})
    return out
