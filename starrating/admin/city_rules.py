"""A city recommendation as a school sees it: its text, and adopting it (采用) as the school's
own rule set or as a new version of one."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..boundary import submit
from ..services import city_rules
from .blueprint import bp
from .city_rule_forms import adopt_form


@bp.route("/rules/city/<int:set_id>", methods=["GET", "POST"])
@admin_required
def city_rule(set_id):
    offer, version = city_rules.offer_for(current_user, set_id)
    form = adopt_form(current_user, offer.name, request.args.get("into", type=int))
    page = lambda: render_template(  # noqa: E731
        "admin/city_rule.html", offer=offer, version=version, form=form)
    return submit(form, lambda: city_rules.adopt(current_user, offer.id, form.target_id(),
                                                 form.name.data),
                  page=page, done=lambda copy: _(
                      "Adopted: version %(v)d of “%(name)s” is your school's own copy.",
                      v=copy.version, name=copy.rule_set.name),
                  to=lambda copy: url_for("admin.rule_set", rule_set_id=copy.rule_set_id))
