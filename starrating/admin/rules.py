"""Rule sets: upload, edit (new version), download, assign to a term, what-if preview."""

from __future__ import annotations

from flask import Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..boundary import perform, submit
from ..errors import ValidationFailed
from ..models import RuleSet, Term
from ..services import admin_reads as reads
from ..services import city_rules, rule_editor, rulesets
from ..services.access import owned
from ..services.terms import term_for
from . import forms
from . import rule_editor_forms as editor
from .blueprint import bp
from .forms import RuleSetForm


class RuleProblems(list):
    """The rule errors (each with its field path) of a refused save, for the page's own list.

    `checked(run)` wraps a service call: a refusal keeps its rule errors here and leaves the
    other field errors to the form (the rule errors are not repeated beside the textarea)."""

    def __init__(self, form, read_source=None):
        super().__init__()
        self.form = form
        self.read_source = read_source

    def checked(self, run):
        def action():
            try:
                source = self.form.source.data or ""
                if self.read_source is not None:
                    source = self.read_source(self.form)
                    self.form.source.data = source
                return run(source)
            except ValidationFailed as error:
                self.extend(getattr(error, "rule_errors", []))
                error.errors.pop("source", None)
                if self:
                    error.message = None
                raise
        return action


def _source(form) -> str:
    """The uploaded file's text when a file was chosen, else the textarea."""
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        return rulesets.decode_upload(upload.read())
    return form.source.data or ""


@bp.route("/rules", methods=["GET", "POST"], endpoint="rule_sets")
@admin_required
def rule_sets_page():
    form = RuleSetForm()
    problems = RuleProblems(form, _source)
    page = lambda: render_template(  # noqa: E731
        "admin/rule_sets.html", rows=reads.rule_set_rows(current_user), form=form,
        used_by=reads.rules_used_by(current_user), rule_errors=problems,
        offers=city_rules.offers(current_user))
    save = problems.checked(lambda source: rulesets.create_rule_set(
        current_user, form.name.data, source, form.comment.data))
    return submit(form, save, page=page, done=_("The rules were checked and saved."),
                  to=lambda version: url_for("admin.rule_set", rule_set_id=version.rule_set_id))


@bp.route("/rules/<int:rule_set_id>", methods=["GET", "POST"])
@admin_required
def rule_set(rule_set_id):
    rule_set = owned(current_user, RuleSet, rule_set_id)
    versions = reads.rule_set_versions(current_user, rule_set)
    form = forms.rule_version_form(versions)
    problems = RuleProblems(form, _source)
    page = lambda: render_template(  # noqa: E731
        "admin/rule_set.html", rule_set=rule_set, versions=versions, form=form,
        rule_errors=problems, terms=reads.term_choices(current_user),
        locked=reads.locked_term_ids(current_user),
        origin=city_rules.origin(current_user, rule_set))
    save = problems.checked(lambda source: rulesets.add_version(
        current_user, rule_set.id, source, form.comment.data))
    return submit(form, save, page=page, done=lambda v: _("Version %(v)d was saved.", v=v.version),
                  to=url_for("admin.rule_set", rule_set_id=rule_set.id))


@bp.route("/rules/<int:rule_set_id>/editor", methods=["GET", "POST"])
@admin_required
def rule_editor_page(rule_set_id):
    """The structured editor: the latest version as forms; saving makes a new version."""
    rule_set = owned(current_user, RuleSet, rule_set_id)
    versions = reads.rule_set_versions(current_user, rule_set)
    form, moved = editor.editor_form(versions)
    problems = editor.EditorProblems(form)
    page = lambda: render_template(  # noqa: E731
        "admin/rule_editor.html", rule_set=rule_set, form=form, problems=problems)
    if moved:
        return page()
    save = problems.checked(lambda: rule_editor.save(
        current_user, rule_set.id, editor.doc_from_form(form), form.comment.data))
    return submit(form, save, page=page, done=lambda v: _("Version %(v)d was saved.", v=v.version),
                  to=url_for("admin.rule_set", rule_set_id=rule_set.id))


@bp.get("/rules/versions/<int:version_id>.toml")
@admin_required
def rule_version_download(version_id):
    version = rulesets.version_for(current_user, version_id)
    name = f"rules-{version.rule_set_id}-v{version.version}.toml"
    return Response(version.source, mimetype="application/toml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/rules/assign")
@admin_required
def rule_assign():
    version_id = request.form.get("version_id", type=int)
    version = reads.school_version(current_user, version_id)
    to = (url_for("admin.rule_set", rule_set_id=version.rule_set_id) if version is not None
          else url_for("admin.rule_sets"))
    return perform(lambda: rulesets.assign_version(
        current_user, request.form.get("term_id", type=int), version_id),
        done=_("The term now uses these rules."), to=to)


@bp.route("/what-if", methods=["GET", "POST"])
@admin_required
def what_if():
    term = _chosen_term() if request.method == "GET" else None
    form = forms.what_if_form(current_user, term, reads.school_version(
        current_user, request.args.get("version", type=int)))
    if not form.validate_on_submit():
        return _what_if_page(form, term)
    term = owned(current_user, Term, int(form.term_id.data)
                 if (form.term_id.data or "").isdigit() else None)
    problems = RuleProblems(form)
    if form.adopt.data:
        return perform(problems.checked(lambda source: rulesets.adopt_draft(
            current_user, term.id, source, _("Adopted after a what-if preview"))),
            form=form, page=lambda: _what_if_page(form, term, problems=problems),
            done=_("The term now uses these rules."),
            to=lambda version: url_for("admin.rule_set", rule_set_id=version.rule_set_id))
    return perform(problems.checked(lambda source: _what_if_page(
        form, term, rulesets.what_if(current_user, term.id, source))),
        form=form, page=lambda: _what_if_page(form, term, problems=problems))


def _chosen_term():
    return term_for(current_user, request.args.get("term"))


def _what_if_page(form, term, result=None, problems=()):
    return render_template("admin/what_if.html", form=form, result=result, term=term,
                           rule_errors=problems)
