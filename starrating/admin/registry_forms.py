"""Forms of the 岗课赛证 registry pages (the office's, the student's claim, the settings)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..services.registry import (
    AWARD_LABELS,
    CERTIFICATE_LABELS,
    LEVEL_LABELS,
    CertificateInput,
    CompetitionInput,
    SettingsInput,
)


def _choices(labels) -> list:
    return [(k.value, v) for k, v in labels.items()]


class CompetitionForm(FlaskForm):
    name = StringField(_l("Competition"), validators=[InputRequired(), Length(max=160)])
    level = SelectField(_l("Level"), choices=_choices(LEVEL_LABELS))
    held_on = DateField(_l("Date"), validators=[InputRequired()])
    organiser = StringField(_l("Organiser"), validators=[Optional(), Length(max=160)])
    submit = SubmitField(_l("Save the competition"))

    def data_input(self) -> CompetitionInput:
        return CompetitionInput(name=self.name.data or "", level=self.level.data or "",
                                held_on=self.held_on.data, organiser=self.organiser.data or "")


class ResultForm(FlaskForm):
    student_no = StringField(_l("Student number"), validators=[InputRequired(),
                                                               Length(max=32)])
    award = SelectField(_l("Award"), choices=_choices(AWARD_LABELS))
    submit = SubmitField(_l("Add the result"))


class AwardForm(FlaskForm):
    """Change one result's award (a row's small form)."""

    award = SelectField(_l("Award"), choices=_choices(AWARD_LABELS))
    submit = SubmitField(_l("Change"))


class CertificateForm(FlaskForm):
    name = StringField(_l("Certificate"), validators=[InputRequired(), Length(max=160)])
    level = SelectField(_l("Level"), choices=_choices(CERTIFICATE_LABELS))
    issuer = StringField(_l("Issued by"), validators=[Optional(), Length(max=160)])
    issued_on = DateField(_l("Date of issue"), validators=[InputRequired()])
    number = StringField(_l("Certificate number"), validators=[Optional(), Length(max=80)])

    def data_input(self) -> CertificateInput:
        return CertificateInput(name=self.name.data or "", level=self.level.data or "",
                                issuer=self.issuer.data or "", issued_on=self.issued_on.data,
                                number=self.number.data or "")


class OfficeCertificateForm(CertificateForm):
    student_no = StringField(_l("Student number"), validators=[InputRequired(),
                                                               Length(max=32)])
    submit = SubmitField(_l("Add the certificate"))


class ClaimForm(CertificateForm):
    photo = FileField(_l("Photo or scan of the certificate (JPG, PNG or PDF)"),
                      render_kw={"accept": ".jpg,.jpeg,.png,.pdf"})
    submit = SubmitField(_l("Send for approval"))

    def photo_upload(self) -> tuple[str, bytes] | None:
        f = self.photo.data
        if not f or not getattr(f, "filename", ""):
            return None
        return f.filename, f.read()


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason (needed to reject)"), validators=[Length(max=2000)],
                           render_kw={"rows": 2})


class SettingsForm(FlaskForm):
    competition_indicator = SelectField(_l("Competition results count on"), choices=[],
                                        validate_choice=False)
    certificate_indicator = SelectField(_l("Certificates count on"), choices=[],
                                        validate_choice=False)
    submit = SubmitField(_l("Save the settings"))


def settings_form(settings, labels: dict[str, str]) -> SettingsForm:
    form = SettingsForm(competition_indicator=settings.competition_indicator or "",
                        certificate_indicator=settings.certificate_indicator or "")
    choices = [("", _l("— not counted —"))] + list(labels.items())
    form.competition_indicator.choices = choices
    form.certificate_indicator.choices = choices
    return form


def settings_input(form: SettingsForm, posted) -> SettingsInput:
    """The indicators and every points cell posted (named "competition.province.second")."""
    points = {k: v for k, v in posted.items() if k.startswith(("competition.", "certificate."))}
    return SettingsInput(competition_indicator=form.competition_indicator.data or "",
                         certificate_indicator=form.certificate_indicator.data or "",
                         points=points)


def _shown(points) -> str:
    return f"{points.normalize():f}"  # 30, 2.5 — never 3E+1


def points_cells(settings) -> dict:
    """The points table as the page shows it: levels × awards, and certificate levels."""
    return {
        "competition": [(lv, LEVEL_LABELS[lv], [(aw, _shown(settings.competition_points(lv, aw)))
                                                for aw in AWARD_LABELS])
                        for lv in LEVEL_LABELS],
        "awards": list(AWARD_LABELS.items()),
        "certificate": [(lv, label, _shown(settings.certificate_points(lv)))
                        for lv, label in CERTIFICATE_LABELS.items()],
    }

