"""Forms of the 学生处's evaluation pages: opening a round, the 审核 rule, rejecting an entry."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import Length, Optional

from ..services.evaluation import DimensionInput, RoundInput
from ..services.review import SettingInput, threshold_points

DIMENSION_ROWS = 3


class DimensionRow(FlaskForm):
    class Meta:
        csrf = False  # a row inside the round form, which has the token

    name = StringField(_l("Dimension"), validators=[Optional(), Length(max=80)])
    indicator = SelectField(_l("Feeds the indicator"), choices=[], validate_choice=False)
    weight_self = StringField(_l("Self"), default="2", render_kw={"inputmode": "numeric"})
    weight_peer = StringField(_l("Classmates"), default="3", render_kw={"inputmode": "numeric"})
    weight_teacher = StringField(_l("Class teacher"), default="5",
                                 render_kw={"inputmode": "numeric"})


class RoundForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=80)],
                       render_kw={"placeholder": "期末学生综合评价"})
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    scale_min = StringField(_l("Lowest rating"), default="1", render_kw={"inputmode": "numeric"})
    scale_max = StringField(_l("Highest rating"), default="5", render_kw={"inputmode": "numeric"})
    peer_mode = SelectField(_l("Each student rates"), choices=[
        ("class", _l("every classmate")), ("random", _l("N classmates drawn at random"))])
    peer_count = StringField(_l("N (classmates drawn per student)"), validators=[Optional()],
                             render_kw={"inputmode": "numeric"})
    drop_k = StringField(_l("Peer ratings left out at each end (k)"), default="1",
                         render_kw={"inputmode": "numeric"},
                         description=_l("The k highest and k lowest ratings are left out when "
                                        "a student has more than 2k."))
    dimensions = FieldList(FormField(DimensionRow), min_entries=DIMENSION_ROWS,
                           max_entries=DIMENSION_ROWS)
    submit = SubmitField(_l("Open the round"))


def round_form(labels: dict[str, str]) -> RoundForm:
    form = RoundForm()
    for row in form.dimensions:
        row.form.indicator.choices = [("", _l("— none —"))] + list(labels.items())
    return form


def round_input(form: RoundForm) -> RoundInput:
    return RoundInput(
        name=form.name.data or "", starts_on=form.starts_on.data, ends_on=form.ends_on.data,
        scale_min=form.scale_min.data or "", scale_max=form.scale_max.data or "",
        peer_mode=form.peer_mode.data or "", peer_count=form.peer_count.data or "",
        drop_k=form.drop_k.data or "",
        dimensions=[DimensionInput(name=r.form.name.data or "", indicator=r.form.indicator.data
                                   or "", weight_self=r.form.weight_self.data or "",
                                   weight_peer=r.form.weight_peer.data or "",
                                   weight_teacher=r.form.weight_teacher.data or "")
                    for r in form.dimensions])


class CloseForm(FlaskForm):
    submit = SubmitField(_l("Close the round and store the results"))


class ReviewSettingForm(FlaskForm):
    threshold = StringField(_l("Approval needed for entries of more than (points)"),
                            validators=[Optional(), Length(max=20)],
                            render_kw={"inputmode": "decimal"},
                            description=_l("Empty: no threshold."))
    indicators = SelectMultipleField(_l("Approval needed for every entry on"), choices=[],
                                     validate_choice=False)
    submit = SubmitField(_l("Save the approval rule"))


def review_setting_form(page) -> ReviewSettingForm:
    form = ReviewSettingForm()
    form.indicators.choices = list(page.labels.items())
    if not form.is_submitted() and page.setting is not None:
        points = threshold_points(page.setting)
        form.threshold.data = "" if points is None else f"{points.normalize():f}"
        form.indicators.data = list(page.setting.indicators or [])
    return form


def setting_input(form: ReviewSettingForm) -> SettingInput:
    return SettingInput(threshold=form.threshold.data or "", indicators=form.indicators.data)


class RejectForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
