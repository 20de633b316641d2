"""Rule sets: upload, edit (new version), download, assign to a term, what-if preview."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..errors import ValidationFailed
from ..extensions import db
from ..models import RuleSet, RuleSetVersion, Term, User
from ..services import rulesets
from ..services.setup import locked_term_ids, owned
from . import bp
from .common import chosen_term, failed, school_id, terms
from .forms import RuleSetForm, RuleVersionForm, WhatIfForm


def _source(form) -> str:
    """The uploaded file's text when a file was chosen, else the textarea."""
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        return rulesets.decode_upload(upload.read())
    return form.source.data or ""


def _rule_errors(error: ValidationFailed) -> list:
    return getattr(error, "rule_errors", [])


def _show_rule_errors(form, error: ValidationFailed, source: str | None) -> list:
    """Rule errors go in their own list (with paths); other field errors on the form."""
    rule_errors = _rule_errors(error)
    error.errors.pop("source", None)
    if source is not None:
        form.source.data = source
    if rule_errors:
        error.message = None
    failed(form, error)
    return rule_errors


@bp.route("/rules", methods=["GET", "POST"], endpoint="rule_sets")
@admin_required
def rule_sets_page():
    form = RuleSetForm()
    rule_errors = []
    if form.validate_on_submit():
        source = None
        try:
            source = _source(form)
            version = rulesets.create_rule_set(current_user, form.name.data, source,
                                               form.comment.data)
        except ValidationFailed as e:
            rule_errors = _show_rule_errors(form, e, source)
        else:
            db.session.commit()
            flash(_("The rules were checked and saved."), "success")
            return redirect(url_for("admin.rule_set", rule_set_id=version.rule_set_id))
    rows = db.session.execute(
        sa.select(RuleSet, sa.func.max(RuleSetVersion.version), sa.func.max(
            RuleSetVersion.created_at))
        .join(RuleSetVersion, RuleSetVersion.rule_set_id == RuleSet.id)
        .where(RuleSet.school_id == school_id())
        .group_by(RuleSet.id).order_by(RuleSet.name)).all()
    used = db.session.execute(
        sa.select(RuleSetVersion.rule_set_id, Term.name, RuleSetVersion.version)
        .join(Term, Term.rule_version_id == RuleSetVersion.id)
        .where(Term.school_id == school_id()).order_by(Term.start_date.desc())).all()
    used_by: dict = {}
    for rule_set_id, term_name, version in used:
        used_by.setdefault(rule_set_id, []).append((term_name, version))
    return render_template("admin/rule_sets.html", rows=rows, used_by=used_by, form=form,
                           rule_errors=rule_errors)


@bp.route("/rules/<int:rule_set_id>", methods=["GET", "POST"])
@admin_required
def rule_set(rule_set_id):
    rule_set = owned(current_user, RuleSet, rule_set_id)
    versions = list(db.session.execute(
        sa.select(RuleSetVersion, User.display_name)
        .outerjoin(User, User.id == RuleSetVersion.created_by_id)
        .where(RuleSetVersion.rule_set_id == rule_set.id)
        .order_by(RuleSetVersion.version.desc())).all())
    form = RuleVersionForm()
    rule_errors = []
    if request.method == "GET" and versions:
        form.source.data = versions[0][0].source
    if form.validate_on_submit():
        source = None
        try:
            source = _source(form)
            version = rulesets.add_version(current_user, rule_set.id, source,
                                           form.comment.data)
        except ValidationFailed as e:
            rule_errors = _show_rule_errors(form, e, source)
        else:
            db.session.commit()
            flash(_("Version %(v)d was saved.", v=version.version), "success")
            return redirect(url_for("admin.rule_set", rule_set_id=rule_set.id))
    school_terms = terms()
    locked = locked_term_ids(school_id())
    return render_template("admin/rule_set.html", rule_set=rule_set, versions=versions,
                           form=form, rule_errors=rule_errors, terms=school_terms,
                           locked=locked)


@bp.get("/rules/versions/<int:version_id>.toml")
@admin_required
def rule_version_download(version_id):
    version = db.session.get(RuleSetVersion, version_id)
    if version is None or version.rule_set.school_id != school_id():
        return Response(status=404)
    name = f"rules-{version.rule_set_id}-v{version.version}.toml"
    return Response(version.source, mimetype="application/toml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/rules/assign")
@admin_required
def rule_assign():
    version_id = request.form.get("version_id", type=int)
    term_id = request.form.get("term_id", type=int)
    version = db.session.get(RuleSetVersion, version_id) if version_id else None
    try:
        rulesets.assign_version(current_user, term_id, version_id)
    except ValidationFailed as e:
        db.session.rollback()
        flash(str(e.message), "error")
    else:
        db.session.commit()
        flash(_("The term now uses these rules."), "success")
    if version is not None and version.rule_set.school_id == school_id():
        return redirect(url_for("admin.rule_set", rule_set_id=version.rule_set_id))
    return redirect(url_for("admin.rule_sets"))


@bp.route("/what-if", methods=["GET", "POST"])
@admin_required
def what_if():
    all_terms = terms()
    form = WhatIfForm()
    form.term_id.choices = [(str(t.id), t.name) for t in all_terms]
    result, rule_errors, term = None, [], None
    if request.method == "GET":
        term = chosen_term(all_terms)
        version_id = request.args.get("version", type=int)
        version = db.session.get(RuleSetVersion, version_id) if version_id else None
        if version is not None and version.rule_set.school_id == school_id():
            form.source.data = version.source
        elif term is not None and term.rule_version is not None:
            form.source.data = term.rule_version.source
        if term is not None:
            form.term_id.data = str(term.id)
    elif form.validate_on_submit():
        term = owned(current_user, Term, int(form.term_id.data)
                     if (form.term_id.data or "").isdigit() else None)
        try:
            if form.adopt.data:
                version = rulesets.adopt_draft(current_user, term.id, form.source.data,
                                               _("Adopted after a what-if preview"))
                db.session.commit()
                flash(_("The term now uses these rules."), "success")
                return redirect(url_for("admin.rule_set", rule_set_id=version.rule_set_id))
            result = rulesets.what_if(current_user, term.id, form.source.data)
        except ValidationFailed as e:
            rule_errors = _show_rule_errors(form, e, None)
    return render_template("admin/what_if.html", form=form, result=result, term=term,
                           rule_errors=rule_errors)
