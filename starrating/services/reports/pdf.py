"""成长报告单: students' report cards for a term, as PDF (WeasyPrint + a CJK font).

The card goes home to families, so it is in Chinese (English on request). Its data for a
whole class is read in a fixed number of queries (`card_data`); a class's cards are laid
out as ONE WeasyPrint document (templates/reports/card.html, a page per student, with a
hand-written SVG radar chart): the merged class PDF is that document, and the zip of single
cards splits its pages, so the stylesheet, fonts and layout set-up are paid once a class,
not once a card. Until a class is final every card carries a 暂定（未确认） band and
watermark; each names the rule set and version its stars were computed with.

The font must cover rare name characters (㛃 is in CJK Extension A): WenQuanYi Zen Hei
(Debian fonts-wqy-zenhei) does; WenQuanYi Micro Hei does not. `card_font()` refuses to
render with a font that lacks them instead of printing empty boxes.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from ...errors import NotFound, PermissionDenied, ValidationFailed
from ...extensions import db
from ...models import (
    ENTRY_COUNTS,
    ClassAssignment,
    ClassState,
    ClassTermStatus,
    Club,
    ClubMembership,
    Department,
    Entry,
    GuardianOpinion,
    Major,
    Role,
    SchoolClass,
    StarResult,
    Student,
    StudentTermNote,
    Term,
    User,
    from_cents,
)
from ...services.scoring import term_rules
from .. import registry
from ..access import ensure_class_export, ensure_student_access, ensure_term_export
from ..clock import school_today, zoned_by_term
from .common import (
    PROVISIONAL_EN,
    PROVISIONAL_ZH,
    RuleVersion,
    final_classes,
    rule_version,
    safe_file_part,
)
from .logo import school_logo

CARD_FONT_FAMILY = "WenQuanYi Zen Hei"
# Characters the card font must have: common rare name characters (㛃 is in Extension A).
REQUIRED_CHARS = "㛃堃喆犇赟★☆"
NOTABLE_ENTRIES = 6
# A card is one A4 page: past this many indicator lines, the smallest are summed in one
# "其他 N 项" line (the student's page in the app lists them all).
INDICATOR_LINES = 12

LABELS = {
    "zh": {
        "title": "学生综合素质成长报告单", "name": "姓名", "number": "学号", "class": "班级",
        "major": "专业", "department": "系部", "term": "学期", "overall": "综合评价",
        "overall_score": "综合得分", "stars": "星级", "score": "得分", "dimension": "评价维度",
        "titles": "荣誉称号", "none": "无", "radar": "各维度得分", "entries": "写实记录汇总",
        "indicator": "指标", "count": "次数", "points": "合计分值", "value": "分值", "notable": "主要记录",
        "date": "日期", "item": "事项", "no_entries": "本学期无写实记录。",
        "self_statement": "自我陈述", "teacher_comment": "班主任评语", "teacher": "班主任",
        "empty_text": "（未填写）", "parent": "家长签字", "guardian_opinion": "家长意见", "signature": "班主任签字",
        "generated": "生成日期", "unit": "分", "colon": "：",
        "clubs": "社团", "member": "成员", "left": "已退出", "rules": "评价细则",
        "provisional": PROVISIONAL_ZH, "others": "其他 {n} 项",
        "provisional_note": "本学期结果尚未最终确认，以最终确认的结果为准。",
        "awards": "竞赛获奖", "certificates": "证书",
        "levels": registry.LEVEL_ZH, "award_words": registry.AWARD_ZH,
        "cert_levels": registry.CERT_ZH,
    },
    "en": {
        "title": "Student Comprehensive Quality Report", "name": "Name", "number": "Student no.",
        "class": "Class", "major": "Major", "department": "Department", "term": "Term",
        "overall": "Overall", "overall_score": "Overall score", "stars": "Stars",
        "score": "Score", "dimension": "Dimension", "titles": "Titles", "none": "None",
        "radar": "Scores by dimension", "entries": "Summary of records",
        "indicator": "Indicator", "count": "Count", "points": "Total points", "value": "Points",
        "notable": "Notable records", "date": "Date", "item": "Item",
        "no_entries": "No records this term.", "self_statement": "Self-statement",
        "teacher_comment": "Class teacher's comment", "teacher": "Class teacher",
        "empty_text": "(none)", "parent": "Parent's signature",
        "guardian_opinion": "Guardian's opinion",
        "signature": "Class teacher's signature", "generated": "Generated", "unit": "",
        "colon": ": ", "clubs": "Clubs", "member": "member", "left": "left",
        "rules": "Rules", "provisional": PROVISIONAL_EN, "others": "{n} others",
        "provisional_note": "This term's results are not final yet; the final results prevail.",
        "awards": "Competition awards", "certificates": "Certificates",
        "levels": registry.LEVEL_EN, "award_words": registry.AWARD_EN,
        "cert_levels": registry.CERT_EN,
    },
}


class CardFontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def card_font() -> Path:
    """The font file of CARD_FONT_FAMILY, checked to cover REQUIRED_CHARS."""
    if shutil.which("fc-match") is None:
        raise CardFontMissing("fontconfig (fc-match) is not installed")
    found = subprocess.run(
        ["fc-match", "--format=%{family}\n%{file}", CARD_FONT_FAMILY],
        capture_output=True, text=True, check=False).stdout.splitlines()
    if len(found) < 2 or CARD_FONT_FAMILY not in found[0].split(","):
        raise CardFontMissing(f"font {CARD_FONT_FAMILY!r} is not installed: "
                              "apt-get install fonts-wqy-zenhei")
    path = Path(found[1])
    missing = [ch for ch in REQUIRED_CHARS if ord(ch) not in font_codepoints(path)]
    if missing:
        raise CardFontMissing(f"{path} lacks {''.join(missing)}")
    return path


@lru_cache(maxsize=4)
def font_codepoints(path: Path) -> frozenset[int]:
    """Code points the font (face 0 of a collection) has glyphs for."""
    # Imported here: fontTools and WeasyPrint take seconds to import and are needed only
    # when a card is rendered, never by the web pages or the other commands.
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() in (".ttc", ".otc"):
        font = TTCollection(str(path)).fonts[0]
    else:
        font = TTFont(str(path))
    return frozenset(font.getBestCmap())


# ---- data ------------------------------------------------------------------------------

@dataclass
class IndicatorLine:
    key: str
    name: str
    count: int
    points: Decimal


@dataclass
class CardResult:
    overall_score: str | None
    overall_stars: int
    dimensions: dict
    titles: list


@dataclass
class ClubLine:
    """A club the student was a member of in the term, with their role; `left_on` is set
    when they left it during the term (the card shows them as having left)."""

    name: str
    role: str
    left_on: date | None = None


@dataclass
class CardData:
    student_id: int
    number: str
    name: str
    class_id: int
    class_name: str
    major: str
    department: str
    teacher: str
    result: CardResult | None = None
    indicators: list[IndicatorLine] = field(default_factory=list)
    notable: list[tuple[date, str, str, Decimal]] = field(default_factory=list)
    self_statement: str = ""
    teacher_comment: str = ""
    guardian_opinion: str = ""  # 家长意见 (services/guardians.py)
    clubs: list[ClubLine] = field(default_factory=list)
    provisional: bool = True  # the class is not final yet
    awards: list[dict] = field(default_factory=list)  # registry: dated in the term
    certificates: list[dict] = field(default_factory=list)


def card_data(term: Term, student_ids: list[int] | None = None,
              class_ids: list[int] | None = None) -> list[CardData]:
    """Everything on the cards of these students (or classes), in nine queries, in class
    order (class name, then 学号)."""
    rules = term_rules(term)
    query = (
        sa.select(Student.id, Student.student_no, Student.name, SchoolClass.id,
                  SchoolClass.name, Major.name, Department.name)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(Major, Major.id == SchoolClass.major_id)
        .join(Department, Department.id == Major.department_id)
        .where(Student.school_id == term.school_id)
        .order_by(SchoolClass.name, SchoolClass.id, Student.student_no)
    )
    if student_ids is not None:
        query = query.where(Student.id.in_(student_ids))
    if class_ids is not None:
        query = query.where(Student.class_id.in_(class_ids))
    rows = db.session.execute(query).all()
    if not rows:
        return []
    ids = [r[0] for r in rows]
    in_classes = {r[3] for r in rows}
    teachers = dict(db.session.execute(
        sa.select(ClassAssignment.class_id, User.display_name)
        .join(User, User.id == ClassAssignment.teacher_id)
        .where(ClassAssignment.term_id == term.id,
               ClassAssignment.class_id.in_(in_classes))).all())
    final = final_classes(term, in_classes)
    cards = {sid: CardData(sid, no, name, cid, cname, major, dept, teachers.get(cid, ""),
                           provisional=cid not in final)
             for sid, no, name, cid, cname, major, dept in rows}

    # Only the columns the card shows (the stored explanation is large).
    for sid, score, stars, dims, titles in db.session.execute(
            sa.select(StarResult.student_id, StarResult.overall_score, StarResult.overall_stars,
                      StarResult.dimensions, StarResult.titles)
            .where(StarResult.term_id == term.id, StarResult.student_id.in_(ids))):
        cards[sid].result = CardResult(score, stars, dims or {}, list(titles or []))

    live = (Entry.term_id == term.id, Entry.deleted_at.is_(None), Entry.student_id.in_(ids),
            ENTRY_COUNTS)
    for sid, indicator, count, cents in db.session.execute(
            sa.select(Entry.student_id, Entry.indicator, sa.func.count(),
                      sa.func.sum(Entry.points_cents))
            .where(*live).group_by(Entry.student_id, Entry.indicator)):
        cards[sid].indicators.append(
            IndicatorLine(indicator, _indicator_name(rules, indicator), count, from_cents(cents)))
    order = {key: n for n, key in enumerate(rules.indicator_keys())} if rules else {}
    for card in cards.values():
        card.indicators.sort(key=lambda line: (order.get(line.key, len(order)), line.key))

    rank = sa.func.row_number().over(
        partition_by=Entry.student_id,
        order_by=(sa.func.abs(Entry.points_cents).desc(), Entry.occurred_on, Entry.id),
    ).label("rank")
    ranked = (sa.select(Entry.student_id, Entry.occurred_on, Entry.indicator, Entry.item_name,
                        Entry.note, Entry.points_cents, rank)
              .where(*live, Entry.points_cents != 0).subquery())
    for sid, occurred, indicator, item, note, cents, _rank in db.session.execute(
            sa.select(ranked).where(ranked.c.rank <= NOTABLE_ENTRIES)
            .order_by(ranked.c.student_id, ranked.c.rank)):
        cards[sid].notable.append((occurred, _indicator_name(rules, indicator),
                                   item or note or "", from_cents(cents)))

    for sid, comment, statement in db.session.execute(
            sa.select(StudentTermNote.student_id, StudentTermNote.teacher_comment,
                      StudentTermNote.self_statement)
            .where(StudentTermNote.term_id == term.id, StudentTermNote.student_id.in_(ids))):
        cards[sid].teacher_comment = comment or ""
        cards[sid].self_statement = statement or ""

    for sid, text in db.session.execute(  # families: the guardian's opinion of the term
            sa.select(GuardianOpinion.student_id, GuardianOpinion.text)
            .where(GuardianOpinion.term_id == term.id, GuardianOpinion.student_id.in_(ids))):
        cards[sid].guardian_opinion = text or ""

    for sid, club, role, left_on in db.session.execute(
            sa.select(ClubMembership.student_id, Club.name, ClubMembership.role,
                      ClubMembership.left_on)
            .join(Club, Club.id == ClubMembership.club_id)
            .where(ClubMembership.term_id == term.id, ClubMembership.student_id.in_(ids))
            .order_by(ClubMembership.student_id, ClubMembership.left_on.is_not(None), Club.name)):
        cards[sid].clubs.append(ClubLine(club, role or "", left_on))

    in_term = lambda day: term.start_date <= day <= term.end_date  # noqa: E731
    for sid, reg in registry.registries_of(ids).items():
        cards[sid].awards = [a for a in reg.awards if in_term(a["held_on"])]
        cards[sid].certificates = [c for c in reg.certificates if in_term(c["issued_on"])]
    return [cards[sid] for sid in ids]


def _indicator_name(rules, key: str) -> str:
    if rules is None:
        return key
    try:
        dim_key, _, _ = key.partition(".")
        return f"{rules.dimension(dim_key).name}·{rules.indicator(key).name}"
    except KeyError:
        return key


# ---- rendering -------------------------------------------------------------------------

def radar_svg(axes: list[tuple[str, float]], size: int = 230) -> str:
    """A radar chart as inline SVG; `axes` are (label, value in 0..1). Kept light: one
    path for the rings, one for the spokes, one for the values (WeasyPrint draws each SVG
    element as its own PDF operation)."""
    n = len(axes)
    if n < 3:
        return ""
    c, r = size / 2, size / 2 - 46

    def point(i: int, frac: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return c + r * frac * math.cos(angle), c + r * frac * math.sin(angle)

    def ring(frac_of) -> str:
        pts = [point(i, frac_of(i)) for i in range(n)]
        return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + " Z"

    rings = " ".join(ring(lambda i, f=f: f) for f in (0.2, 0.4, 0.6, 0.8))
    spokes = " ".join(f"M{c:.1f},{c:.1f} L{x:.1f},{y:.1f}"
                      for x, y in (point(i, 1) for i in range(n)))
    values = [min(max(v, 0.0), 1.0) for _, v in axes]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
             f'viewBox="0 0 {size} {size}" class="radar">',
             f'<path d="{rings} {spokes}" fill="none" stroke="#c9d2dd" stroke-width="1"/>',
             f'<path d="{ring(lambda i: 1.0)}" fill="none" stroke="#c9d2dd" '
             'stroke-width="1.4"/>',
             f'<path d="{ring(lambda i: values[i])}" fill="#1d4f91" fill-opacity="0.25" '
             'stroke="#1d4f91" stroke-width="2"/>']
    for i in range(n):
        x, y = point(i, values[i])
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1d4f91"/>')
    for i, (label, _) in enumerate(axes):
        x, y = point(i, 1.18)
        anchor = "middle" if abs(x - c) < 8 else ("start" if x > c else "end")
        parts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" '
                     f'font-family="{CARD_FONT_FAMILY}" font-size="12" fill="#1f2933">'
                     f'{_xml(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _xml(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def card_page(rules, card: CardData) -> dict:
    """What one card's page needs beyond the card data: dimension rows and the radar."""
    dims = []
    stored = card.result.dimensions if card.result else {}
    for dim in (rules.dimensions if rules else ()):
        value = stored.get(dim.key) or {}
        score = value.get("score")
        frac = float(Decimal(score) / dim.max) if score is not None and dim.max else 0.0
        dims.append({"name": dim.name, "score": score, "stars": value.get("stars"),
                     "frac": frac})
    lines, rest = card.indicators, None
    if len(lines) > INDICATOR_LINES:
        kept = set(map(id, sorted(lines, key=lambda line: -abs(line.points))
                       [:INDICATOR_LINES - 1]))
        rest = [line for line in lines if id(line) not in kept]
        lines = [line for line in lines if id(line) in kept]
        rest = IndicatorLine("", str(len(rest)), sum(line.count for line in rest),
                             sum((line.points for line in rest), Decimal(0)))
    return {"card": card, "dims": dims, "indicators": lines, "other_indicators": rest,
            "radar": radar_svg([(d["name"], d["frac"]) for d in dims])}


def cards_html(term: Term, cards: list[CardData], lang: str = "zh",
               today: date | None = None, version: RuleVersion | None = None) -> str:
    """The cards as one HTML document for WeasyPrint, a page per card."""
    rules = term_rules(term)
    version = version or rule_version(term)
    logo = school_logo(term.school_id)
    return render_template(
        "reports/card.html", term=term, school=term.school,
        logo_uri=logo.data_uri if logo is not None else None,
        pages=[card_page(rules, card) for card in cards],
        max_stars=rules.max_stars if rules else 5, t=LABELS[lang], lang=lang,
        font=CARD_FONT_FAMILY, rules_label=version.label(lang) if version else "",
        today=today or school_today(term.school_id))


def card_html(term: Term, card: CardData, lang: str = "zh", today: date | None = None) -> str:
    """One card as HTML for WeasyPrint."""
    return cards_html(term, [card], lang, today)


def card_anchor(student_id: int) -> str:
    return f"card-{student_id}"


class CardRenderer:
    """Renders cards to PDF, reusing WeasyPrint's font set-up and stylesheets between runs."""

    def __init__(self, stylesheet: str = "reports/card.css"):
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        card_font()
        self.fonts = FontConfiguration()
        # templates/reports/*.css, parsed once for all the cards of a run.
        self.css = CSS(string=_template_source(stylesheet), font_config=self.fonts)
        ua = CSS(string=_template_source("reports/card_ua.css"), font_config=self.fonts)

        class CardHTML(HTML):
            """HTML with the cards' small user-agent stylesheet (card_ua.css) instead of
            WeasyPrint's full HTML5 one: matching that against every element of every card
            was a quarter of the layout time."""

            def _ua_stylesheets(self, *args, **kwargs):
                return [ua]

        self.html_class = CardHTML

    def document(self, html: str):
        """The laid-out WeasyPrint document (one render for all the cards in `html`)."""
        return self.html_class(string=html, base_url=current_app.root_path).render(
            stylesheets=[self.css], font_config=self.fonts)

    def render(self, html: str) -> bytes:
        return self.document(html).write_pdf()

    def split(self, document, student_ids: list[int]) -> list[tuple[int, bytes]]:
        """One PDF per card from a merged document: a card's pages are those from its
        anchor to the next card's (a card that runs over a page keeps all of its pages)."""
        wanted = {card_anchor(sid): sid for sid in student_ids}
        groups: list[tuple[int, list]] = []
        for page in document.pages:
            starts = [wanted[a] for a in page.anchors if a in wanted]
            if starts or not groups:
                groups.append((starts[0] if starts else student_ids[0], [page]))
            else:
                groups[-1][1].append(page)
        return [(sid, document.copy(pages).write_pdf()) for sid, pages in groups]


def _template_source(name: str) -> str:
    env = current_app.jinja_env
    return env.loader.get_source(env, name)[0]


def results_published(term: Term, class_id: int) -> bool:
    """Students see their stars (and card) once the class is published or final."""
    state = db.session.scalar(sa.select(ClassTermStatus.state).where(
        ClassTermStatus.term_id == term.id, ClassTermStatus.class_id == class_id))
    return state in (ClassState.PUBLISHED, ClassState.FINAL)


def card_file_name(term: Term, number: str, name: str) -> str:
    return safe_file_part(f"{number}-{name}-{term.name}成长报告单") + ".pdf"


@zoned_by_term
def student_card(actor: User | None, term: Term, student: Student, lang: str = "zh") -> bytes:
    """One student's card as PDF bytes (the student, their class teacher, the school's admins)."""
    if student.school_id != term.school_id:
        raise NotFound()
    if actor is not None:
        ensure_student_access(actor, student, term)
        if actor.role == Role.STUDENT and not results_published(term, student.class_id):
            raise PermissionDenied(_l("Your report card is available once your class's "
                                      "results are published."))
    cards = card_data(term, student_ids=[student.id])
    if not cards or cards[0].result is None:
        raise NotFound("no stored results for this student in this term yet")
    return CardRenderer().render(card_html(term, cards[0], lang))


def _count_cards(term: Term, class_ids: list[int] | None,
                 student_ids: list[int] | None = None) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(StarResult).join(
            Student, Student.id == StarResult.student_id)
        .where(StarResult.term_id == term.id,
               *([Student.class_id.in_(class_ids)] if class_ids else []),
               *([Student.id.in_(student_ids)] if student_ids is not None else []))) or 0


@zoned_by_term
def write_cards_zip(actor: User | None, term: Term, out: str | IO[bytes],
                    school_class: SchoolClass | None = None, lang: str = "zh",
                    progress: Callable[[int, int], None] | None = None,
                    progress_every: int = 10) -> int:
    """The cards of a class (or the whole school, a folder per class) as one zip of PDFs.

    Each class is laid out once and its pages split into the single cards. Students
    without stored results are left out. `progress(done, total)` is called after each
    class (and at the start). Returns the number of cards.
    """
    if school_class is None:
        ensure_term_export(actor, term)
        class_ids = None
    else:
        ensure_class_export(actor, term, school_class)
        class_ids = [school_class.id]
    renderer = CardRenderer()
    version = rule_version(term)
    total = _count_cards(term, class_ids)
    if class_ids is None:  # the whole school: a class at a time keeps memory flat
        class_ids_batches = [[cid] for cid in db.session.scalars(
            sa.select(SchoolClass.id).where(SchoolClass.school_id == term.school_id)
            .order_by(SchoolClass.name))]
    else:
        class_ids_batches = [class_ids]
    if progress is not None:
        progress(0, total)
    done = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for batch in class_ids_batches:
            cards = [c for c in card_data(term, class_ids=batch) if c.result is not None]
            if not cards:
                continue
            document = renderer.document(cards_html(term, cards, lang, version=version))
            by_id = {c.student_id: c for c in cards}
            for sid, data in renderer.split(document, list(by_id)):
                card = by_id[sid]
                name = card_file_name(term, card.number, card.name)
                if school_class is None:
                    name = f"{safe_file_part(card.class_name)}/{name}"
                archive.writestr(name, data)
                done += 1
            if progress is not None:
                progress(done, total)
    return done


def student_numbers(text: str | None) -> list[str]:
    """学号 typed in a form: separated by commas (either width), spaces or lines."""
    return [n for n in re.split(r"[\s,，、;；]+", text or "") if n]


def students_of_class(term: Term, school_class: SchoolClass, numbers: list[str]) -> list[int]:
    """The ids of the class's students with these 学号 (one query); any other is refused."""
    found = dict(db.session.execute(sa.select(Student.student_no, Student.id).where(
        Student.school_id == term.school_id, Student.class_id == school_class.id,
        Student.student_no.in_(numbers))).all())
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ValidationFailed(errors={"students": [_l(
            "Not students of %(cls)s: %(numbers)s", cls=school_class.name,
            numbers="、".join(missing[:10]))]})
    return [found[n] for n in numbers]


@zoned_by_term
def write_cards_pdf(actor: User | None, term: Term, out: str | IO[bytes],
                    school_class: SchoolClass, lang: str = "zh",
                    student_ids: list[int] | None = None,
                    progress: Callable[[int, int], None] | None = None) -> int:
    """A class's cards (or a selection of its students') as ONE print-ready PDF: a page
    per student, in class order by 学号, laid out in one WeasyPrint render. Students
    without stored results are left out. Returns the number of cards."""
    if school_class is None:
        raise ValidationFailed(_l("Choose a class: a merged PDF holds one class's cards."))
    ensure_class_export(actor, term, school_class)
    cards = [c for c in card_data(term, student_ids=student_ids, class_ids=[school_class.id])
             if c.result is not None]
    if progress is not None:
        progress(0, len(cards))
    if not cards:
        raise NotFound(_l("No stored results for these students in this term yet."))
    data = CardRenderer().render(cards_html(term, cards, lang))
    if isinstance(out, str):
        Path(out).write_bytes(data)
    else:
        out.write(data)
    if progress is not None:
        progress(len(cards), len(cards))
    return len(cards)
