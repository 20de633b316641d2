"""The city office's recommended rules: the list, a new recommendation, its versions (edit as
TOML or as forms), publishing a version to the schools and withdrawing it, downloads."""

from __future__ import annotations

from functools import wraps

from flask import Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..admin import rule_editor_forms as editor
from ..admin.forms import RuleSetForm, rule_version_form
from ..admin.rules import RuleProblems
from ..admin.rules import _source as uploaded_source
from ..auth.guards import city_required
from ..boundary import perform, submit
from ..services import city_rules, rule_editor
from ..services.access import ensure_city_rules_writer
from .blueprint import bp


def writes_outside_schools(view):
    """A recommendation is changed from the city's own pages, never while inside a school:
    refused before the form is even read (services/access.ensure_city_rules_writer)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method == "POST":
            ensure_city_rules_writer(current_user)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/rules", methods=["GET", "POST"])
@city_required
@writes_outside_schools
def rules():
    form = RuleSetForm()
    problems = RuleProblems(form, uploaded_source)
    page = lambda: render_template(  # noqa: E731
        "city/rules.html", rows=city_rules.recommendations(current_user), form=form,
        rule_errors=problems)
    save = problems.checked(lambda source: city_rules.create_recommendation(
        current_user, form.name.data, source, form.comment.data))
    return submit(form, save, page=page, done=_("The rules were checked and saved."),
                  to=lambda v: url_for("city.rule_set", set_id=v.city_rule_set_id))


@bp.route("/rules/<int:set_id>", methods=["GET", "POST"])
@city_required
@writes_outside_schools
def rule_set(set_id):
    found = city_rules.recommendation_for(current_user, set_id)
    versions = city_rules.versions(current_user, found)
    form = rule_version_form(versions)
    problems = RuleProblems(form, uploaded_source)
    page = lambda: render_template(  # noqa: E731
        "city/rule_set.html", rule_set=found, versions=versions, form=form,
        rule_errors=problems)
    save = problems.checked(lambda source: city_rules.add_version(
        current_user, found.id, source, form.comment.data))
    return submit(form, save, page=page, done=lambda v: _("Version %(v)d was saved.", v=v.version),
                  to=url_for("city.rule_set", set_id=found.id))


@bp.route("/rules/<int:set_id>/editor", methods=["GET", "POST"])
@city_required
@writes_outside_schools
def rule_editor_page(set_id):
    """The structured editor (the school's, pointed at a recommendation)."""
    found = city_rules.recommendation_for(current_user, set_id)
    form, moved = editor.editor_form(city_rules.versions(current_user, found))
    problems = editor.EditorProblems(form)
    page = lambda: render_template(  # noqa: E731
        "city/rule_editor.html", rule_set=found, form=form, problems=problems)
    if moved:
        return page()
    save = problems.checked(lambda: city_rules.add_version(
        current_user, found.id, rule_editor.toml_from_doc(editor.doc_from_form(form)),
        form.comment.data))
    return submit(form, save, page=page, done=lambda v: _("Version %(v)d was saved.", v=v.version),
                  to=url_for("city.rule_set", set_id=found.id))


@bp.post("/rules/<int:set_id>/publish")
@city_required
def rule_publish(set_id):
    return perform(lambda: city_rules.publish(current_user, set_id,
                                              request.form.get("version", type=int)),
                   done=lambda rs: _("Version %(v)d is now recommended to every school.",
                                     v=rs.published_version),
                   to=url_for("city.rule_set", set_id=set_id))


@bp.post("/rules/<int:set_id>/unpublish")
@city_required
def rule_unpublish(set_id):
    return perform(lambda: city_rules.unpublish(current_user, set_id),
                   done=_("Schools no longer see this recommendation; their copies stay "
                          "theirs."),
                   to=url_for("city.rule_set", set_id=set_id))


@bp.get("/rules/versions/<int:version_id>.toml")
@city_required
def rule_version_download(version_id):
    version = city_rules.version_for(current_user, version_id)
    name = f"city-rules-{version.city_rule_set_id}-v{version.version}.toml"
    return Response(version.source, mimetype="application/toml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
