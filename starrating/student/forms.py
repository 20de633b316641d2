"""Forms of the student's pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


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
