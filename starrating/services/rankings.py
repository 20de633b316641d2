"""Staff rankings for 评优评先: a class, a major or a grade ranked by overall score from the
stored results of a term.

Ties share a rank exactly as the quota rules' tie groups do: the students are sorted by
the exact score, highest first, and each group of equal scores (`rules.tie_groups`, the
engine's own helper) takes the rank of its first place ("1, 1, 3"). A rule set without an
overall score (min_stars) ranks by overall stars. Students and guardians never see a ranking:
every function here takes a staff actor (services/access.ranking_scope) and no student page
reads this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import Department, Major, Role, SchoolClass, StarResult, Student, Term, User
from ..rules import tie_groups
from .access import ranking_scope, teacher_class_ids
from .terms import term_for

KINDS = ("class", "major", "grade")
KIND_LABELS = {"class": _l("Class"), "major": _l("Major"), "grade": _l("Grade")}


@dataclass
class RankRow:
    rank: int
    student_no: str
    name: str
    class_name: str
    score: Decimal | None
    stars: int


@dataclass
class Ranking:
    term: Term
    kind: str = ""
    value: int | None = None
    label: str = ""
    rows: list[RankRow] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)  # ("class:7", "24机电1班")
    by_stars: bool = False  # no overall score in the rules: ranked by stars

    @property
    def scope(self) -> str:
        return f"{self.kind}:{self.value}" if self.kind else ""


def rank_rows(items, score_of) -> list[tuple[int, object]]:
    """(rank, item) for items sorted by score, highest first: a tie group shares the rank of
    its first place, exactly the groups the quota admits or drops whole."""
    out = []
    for start, end in tie_groups(items, score_of):
        out.extend((start + 1, item) for item in items[start:end])
    return out


def _parse_scope(scope: str | None) -> tuple[str, int] | None:
    kind, _, value = (scope or "").partition(":")
    if kind not in KINDS or not value.isdigit():
        return None
    return kind, int(value)


def _choices(actor: User, term: Term) -> list[tuple[str, str]]:
    """The classes, majors and grades the actor may rank in the term (one query each)."""
    classes = sa.select(SchoolClass.id, SchoolClass.name).where(
        SchoolClass.school_id == term.school_id).order_by(SchoolClass.grade, SchoolClass.name)
    if actor.role == Role.TEACHER:
        ids = teacher_class_ids(actor, term)
        return [(f"class:{i}", n) for i, n in db.session.execute(
            classes.where(SchoolClass.id.in_(ids or [-1]))).all()]
    out = [(f"class:{i}", n) for i, n in db.session.execute(classes).all()]
    out += [(f"major:{i}", gettext("Major: %(name)s", name=n)) for i, n in db.session.execute(
        sa.select(Major.id, Major.name).join(Department)
        .where(Department.school_id == term.school_id).order_by(Major.name)).all()]
    out += [(f"grade:{g}", gettext("Grade %(grade)s", grade=g)) for g in db.session.scalars(
        sa.select(SchoolClass.grade).where(SchoolClass.school_id == term.school_id)
        .distinct().order_by(SchoolClass.grade))]
    return out


def ranking(actor: User, term_id, scope: str | None) -> Ranking:
    """The ranking of one class, major or grade of the term from its stored results (a fixed
    number of queries whatever the number of students); without a scope, only the choices."""
    if actor.role not in (Role.ADMIN, Role.TEACHER):
        raise PermissionDenied()
    term = term_for(actor, term_id, required=True)
    page = Ranking(term=term, choices=_choices(actor, term))
    parsed = _parse_scope(scope)
    if parsed is None:
        if scope:
            raise NotFound()
        return page
    page.kind, page.value = parsed
    ranking_scope(actor, term, *parsed)
    labels = dict(page.choices)
    if page.scope not in labels:
        raise NotFound()
    page.label = labels[page.scope]
    query = (sa.select(StarResult.overall_score, StarResult.overall_stars, Student.student_no,
                       Student.name, SchoolClass.name)
             .join(Student, Student.id == StarResult.student_id)
             .join(SchoolClass, SchoolClass.id == StarResult.class_id)
             .where(StarResult.term_id == term.id))
    column = {"class": SchoolClass.id, "major": SchoolClass.major_id,
              "grade": SchoolClass.grade}[page.kind]
    rows = [RankRow(0, no, name, cname, None if score is None else Decimal(score), stars)
            for score, stars, no, name, cname in
            db.session.execute(query.where(column == page.value)).all()]
    page.by_stars = any(r.score is None for r in rows)
    score_of = (lambda r: r.stars) if page.by_stars else (lambda r: r.score)
    rows.sort(key=lambda r: r.student_no)
    rows.sort(key=score_of, reverse=True)
    for rank, row in rank_rows(rows, score_of):
        row.rank = rank
    page.rows = rows
    return page


def export_xlsx(actor: User, term_id, scope: str | None) -> tuple[bytes, str]:
    """The ranking as a workbook (the same rows as the page) and its file name."""
    page = ranking(actor, term_id, scope)
    if not page.kind:
        raise ValidationFailed(_l("Choose a class, a major or a grade to rank."))
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("Ranking")[:31]
    staff_only = gettext("For staff only.")
    sheet.append([f"{page.term.name} · {page.label} · {staff_only}"])
    sheet.append([gettext("Rank"), gettext("Student number"), gettext("Name"),
                  gettext("Class"), gettext("Overall score"), gettext("Overall stars")])
    for r in page.rows:
        sheet.append([r.rank, r.student_no, r.name, r.class_name,
                      None if r.score is None else float(r.score), r.stars])
    out = BytesIO()
    book.save(out)
    return out.getvalue(), f"ranking-{page.term.id}-{page.kind}-{page.value}.xlsx"
