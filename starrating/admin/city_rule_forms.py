"""The form a school's admin adopts (采用) a city recommendation with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length

from ..models import User
from ..services import admin_reads as reads


class AdoptForm(FlaskForm):
    target = SelectField(_l("Copy into"), choices=[], validate_choice=False)
    name = StringField(_l("Name of the new rule set"), validators=[Length(max=160)],
                       description=_l("Only for a new rule set."))
    submit = SubmitField(_l("Adopt"))

    def target_id(self) -> int | None:
        """The school's rule set to add a version to; None: a new rule set."""
        value = self.target.data or ""
        return int(value) if value.isdigit() else None


def adopt_form(actor: User, name: str, into: int | None = None) -> AdoptForm:
    """The adopt form: a new rule set (named like the recommendation) or a new version of
    one of the school's rule sets (`into` chosen on a first visit)."""
    form = AdoptForm()
    form.target.choices = [("", _l("a new rule set"))] + [
        (str(rs.id), _l("a new version of “%(name)s”", name=rs.name))
        for rs, _version, _at in reads.rule_set_rows(actor)]
    if not form.is_submitted():
        form.name.data = name
        if into is not None:
            form.target.data = str(into)
    return form
