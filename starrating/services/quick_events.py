"""A class's saved quick events ("值日 +2"): an indicator with a catalogue item or points and
an optional note, saved once by the class teacher and recorded in one tap for the ticked
students with today's date. Recording goes through entries.record_entries, so the checks
(rules, bounds, zero points, locked class) and the audit rows are those of any entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import Entry, QuickEvent, SchoolClass, Student, Term, User
from ..rules import RuleSet
from . import class_pages, entries
from .access import get_class_for_quick_events
from .clock import school_today
from .entry_input import EntryInput, indicator_labels, item_value, rules_for, validate_event
from .scoring import term_rules

LABEL_MAX = 40


@dataclass
class QuickEventInput:
    label: str
    indicator: str
    item: str = ""    # "key|index" of a catalogue item, or ""
    points: str = ""  # typed points; empty = the item's points when it is recorded
    note: str = ""


def class_quick_events(actor: User, term: Term, class_id: int) -> list[QuickEvent]:
    """The class's saved quick events, by label (its class teacher in the term in force)."""
    get_class_for_quick_events(actor, term, class_id)
    return list(db.session.scalars(sa.select(QuickEvent).where(QuickEvent.class_id == class_id)
                                   .order_by(QuickEvent.label, QuickEvent.id)))


@dataclass
class QuickEventsPage:
    school_class: SchoolClass
    rules: RuleSet | None
    events: list[QuickEvent]
    labels: dict[str, str]  # indicator key → its label


def quick_events_page(actor: User, term: Term, class_id: int) -> QuickEventsPage:
    """The class's quick events with the rules for the add form."""
    school_class = get_class_for_quick_events(actor, term, class_id)
    rules = term_rules(term)
    events = class_quick_events(actor, term, class_id)
    return QuickEventsPage(school_class=school_class, rules=rules, events=events,
                           labels=indicator_labels(rules))


@dataclass
class EntryFormWithQuickEvents(class_pages.EntryFormPage):
    # the class's one-tap events; None when they are not the actor's to use here
    quick_events: list[QuickEvent] | None = None


def entry_form_page(actor: User, term: Term, class_id: int | None) -> EntryFormWithQuickEvents:
    """The new-entry form (class_pages.entry_form_page) and, for the class teacher of one
    class in the term in force, the class's saved quick events."""
    page = class_pages.entry_form_page(actor, term, class_id)
    return EntryFormWithQuickEvents(term=page.term, rules=page.rules, students=page.students,
                                    quick_events=offered(actor, term, class_id))


def offered(actor: User, term: Term, class_id: int | None) -> list[QuickEvent] | None:
    """The quick events the entry form offers: the class's, when the actor is its class
    teacher in the term in force; None when quick events are not the actor's to use here
    (the form itself checks its own access)."""
    if class_id is None:
        return None
    try:
        return class_quick_events(actor, term, class_id)
    except (PermissionDenied, NotFound):
        return None


def save_quick_event(actor: User, term: Term, class_id: int, data: QuickEventInput,
                     today: date | None = None) -> QuickEvent:
    """A new quick event for the class, checked like an entry recorded today would be."""
    get_class_for_quick_events(actor, term, class_id)
    today = today or school_today(term.school_id)
    indicator, points, item_name, note, _files, errors = validate_event(
        term, rules_for(term), EntryInput(indicator=data.indicator, points=data.points,
                                          occurred_on=today, note=data.note, item=data.item),
        today)
    label = (data.label or "").strip()
    if not label:
        errors.setdefault("label", []).append(_l("Give the quick event a short name."))
    elif len(label) > LABEL_MAX:
        errors.setdefault("label", []).append(_l("At most %(n)d characters.", n=LABEL_MAX))
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    typed = bool(str(data.points or "").strip())
    event = QuickEvent(class_id=class_id, label=label, indicator=indicator,
                       item_name=item_name[:120],
                       points_cents=int(points * 100) if typed else None,
                       note=note[:500], created_by_id=actor.id)
    db.session.add(event)
    db.session.flush()
    return event


def _event_for(actor: User, term: Term, event_id: int) -> QuickEvent:
    event = db.session.get(QuickEvent, event_id)
    if event is None:
        raise NotFound()
    get_class_for_quick_events(actor, term, event.class_id)
    return event


def delete_quick_event(actor: User, term: Term, event_id: int) -> QuickEvent:
    """Forget a saved quick event (the entries it recorded stay)."""
    event = _event_for(actor, term, event_id)
    db.session.delete(event)
    db.session.flush()
    return event


def record_quick_event(actor: User, term: Term, event_id: int, student_ids,
                       today: date | None = None) -> list[Entry]:
    """One tap: the quick event recorded for these students of its class, dated today."""
    event = _event_for(actor, term, event_id)
    ids = {int(i) for i in student_ids}
    if ids:
        classes = set(db.session.scalars(sa.select(Student.class_id).where(Student.id.in_(ids))))
        if classes != {event.class_id}:
            raise PermissionDenied()
    item = ""
    if event.item_name:
        item = item_value(rules_for(term), event.indicator, event.item_name)
        if not item:
            raise ValidationFailed(_l(
                "The item “%(name)s” of this quick event is no longer in the rules; delete the "
                "quick event and save it again.", name=event.item_name))
    data = EntryInput(indicator=event.indicator,
                      points="" if event.points is None else str(event.points),
                      occurred_on=today or school_today(term.school_id), note=event.note,
                      item=item)
    return entries.record_entries(actor, term, sorted(ids), data, today=today)
