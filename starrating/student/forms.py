"""Forms of the student's pages."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..services.appeals import AppealInput, Upload


class StatementForm(FlaskForm):
    statement = TextAreaField(_l("Self-statement"), validators=[Length(max=2000)],
                              render_kw={"rows": 5},
                              description=_l("What you did this term, in your own words."))
    submit = SubmitField(_l("Save my statement"))


class AppealForm(FlaskForm):
    entry_id = HiddenField()
    indicator = SelectField(_l("Missing entry in"), choices=[], validate_choice=False)
    text = TextAreaField(_l("What is wrong, and what should it be?"),
                         validators=[DataRequired(_l("Say what is wrong and what it should be.")),
                                     Length(max=2000)], render_kw={"rows": 4})
    evidence = MultipleFileField(_l("Evidence (JPG, PNG or PDF, optional)"),
                                 render_kw={"accept": ".jpg,.jpeg,.png,.pdf"})
    submit = SubmitField(_l("Send my appeal"))


def appeal_form(labels: dict[str, str]) -> AppealForm:
    """The appeal form, its indicators those of the term's rules."""
    form = AppealForm()
    form.indicator.choices = [("", _("— choose —"))] + list(labels.items())
    return form


def appeal_input(form: AppealForm, entry) -> AppealInput:
    """What the student sent, for appeals.create_appeal (the files read once)."""
    files = [Upload(f.filename or "", f.read()) for f in (form.evidence.data or [])
             if getattr(f, "filename", "")]
    return AppealInput(entry_id=entry.id if entry else None, indicator=form.indicator.data or "",
                       text=form.text.data or "", files=files)
