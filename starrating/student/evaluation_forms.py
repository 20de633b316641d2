"""Forms of the student's evaluation pages: rating one classmate (or oneself), and an
officer's proposal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from ..services.proposals import OfficerPage, ProposalInput

# Scales with more steps than this are typed as a number instead of tapped.
TAP_STEPS = 11


def rating_form(rnd, dimensions, is_self: bool):
    """A form with one field per dimension ("dim-<id>") and, for oneself, a comment."""
    steps = rnd.scale_max - rnd.scale_min + 1

    class RatingForm(FlaskForm):
        submit = SubmitField(_l("Send my ratings"))

    for dim in dimensions:
        if steps <= TAP_STEPS:
            field = RadioField(dim.name, choices=[(str(v), str(v)) for v in range(
                rnd.scale_min, rnd.scale_max + 1)], validate_choice=False)
        else:
            field = StringField(dim.name, render_kw={"inputmode": "numeric",
                                                     "autocomplete": "off"})
        setattr(RatingForm, f"dim-{dim.id}", field)
    if is_self:
        RatingForm.comment = TextAreaField(_l("Comment (optional)"),
                                           validators=[Optional(), Length(max=500)],
                                           render_kw={"rows": 3})
    return RatingForm()


def scores_of(form, dimensions) -> dict[int, str]:
    return {dim.id: form[f"dim-{dim.id}"].data or "" for dim in dimensions}


class ProposalForm(FlaskForm):
    # Rendered as a checklist of checkboxes named "students".
    students = SelectMultipleField(_l("Classmates"), choices=[], validate_choice=False,
                                   coerce=str)
    indicator = SelectField(_l("Indicator"), choices=[], validate_choice=False)
    item = SelectField(_l("Item from the rules"), choices=[], validate_choice=False)
    points = StringField(_l("Points"), validators=[Optional(), Length(max=20)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"},
                         description=_l("Leave empty to use the item's points."))
    occurred_on = DateField(_l("Date"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)],
                         render_kw={"rows": 2})
    submit = SubmitField(_l("Send to the class teacher"))


def proposal_form(page: OfficerPage, today) -> ProposalForm:
    form = ProposalForm()
    form.indicator.choices = [("", _l("— choose —"))] + list(page.allowed.items())
    items = [("", _l("— none: custom points —"))]
    if page.rules is not None:
        for key in page.allowed:
            for n, item in enumerate(page.rules.indicator(key).items):
                items.append((f"{key}|{n}", f"{page.allowed[key]} · {item.name} "
                                            f"({item.points.normalize():+f})"))
    form.item.choices = items
    if form.occurred_on.data is None:
        form.occurred_on.data = today
    return form


def proposal_input(form: ProposalForm) -> ProposalInput:
    ids = [int(v) for v in form.students.data or [] if str(v).isdigit()]
    return ProposalInput(student_ids=ids, indicator=form.indicator.data or "",
                         item=form.item.data or "", points=form.points.data or "",
                         occurred_on=form.occurred_on.data, note=form.note.data or "")
