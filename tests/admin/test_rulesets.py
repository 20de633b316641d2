"""Rule sets: validation with field paths, versions, assignment, and the what-if preview."""

from __future__ import annotations

from io import BytesIO

import pytest
import sqlalchemy as sa

from starrating.demo import default_rules_source
from starrating.errors import ValidationFailed
from starrating.extensions import db
from starrating.models import (
    ClassState,
    ClassTermStatus,
    RuleSet,
    RuleSetVersion,
    Term,
)
from starrating.services import rulesets
from starrating.services.scoring import evaluate_term

MORAL_OLD = "thresholds = { 5 = 95, 4 = 88, 3 = 80, 2 = 70, 1 = 60 }"
MORAL_NEW = "thresholds = { 5 = 95, 4 = 84, 3 = 80, 2 = 70, 1 = 60 }"
BAD = 'name = "x"\n[[dimensions]]\nkey = "Moral"\nname = "m"\nbase = 80\nmax = 100\n' \
      'thresholds = { 5 = 90, 4 = 95 }\n[overall]\nthresholds = { 1 = 0 }\n'


def test_invalid_rules_are_refused_with_field_paths(school):
    with pytest.raises(rulesets.RulesInvalid) as caught:
        rulesets.create_rule_set(school.admin, "坏细则", BAD)
    paths = {e.path for e in caught.value.rule_errors}
    assert "dimensions[0].key" in paths
    assert any(p.startswith("dimensions[0].thresholds") for p in paths)
    db.session.rollback()
    assert db.session.scalar(sa.select(RuleSet.id).where(RuleSet.name == "坏细则")) is None


def test_a_change_makes_a_new_version_and_old_results_keep_theirs(school):
    first = rulesets.create_rule_set(school.admin, "新细则", default_rules_source(), "初版")
    second = rulesets.add_version(school.admin, first.rule_set_id,
                                  default_rules_source().replace(MORAL_OLD, MORAL_NEW), "降低4星线")
    assert (first.version, second.version) == (1, 2)
    assert first.source == default_rules_source()  # the old text is untouched
    with pytest.raises(ValidationFailed):
        rulesets.add_version(school.admin, first.rule_set_id, second.source)


def test_rules_cannot_change_once_a_class_is_published(school):
    version = rulesets.create_rule_set(school.admin, "新细则", default_rules_source())
    db.session.add(ClassTermStatus(term_id=school.term.id, class_id=school.class_a.id,
                                   state=ClassState.PUBLISHED))
    db.session.flush()
    old = school.term.rule_version_id
    with pytest.raises(ValidationFailed):
        rulesets.assign_version(school.admin, school.term.id, version.id)
    assert db.session.get(Term, school.term.id).rule_version_id == old


def test_assigning_a_version_to_an_open_term(school):
    version = rulesets.create_rule_set(school.admin, "新细则", default_rules_source())
    rulesets.assign_version(school.admin, school.term.id, version.id)
    assert school.term.rule_version_id == version.id


def _stars(results):
    return {sid: (r.overall_stars, {k: d.stars for k, d in r.dimensions.items()})
            for sid, r in results.items()}


def test_what_if_lists_exactly_the_students_whose_stars_change(make, school):
    # Moral 80 + 5 = 85: three stars now, four with the lower 4-star line of the draft.
    for student in school.students[:3]:
        make.entry(school.term, student, "moral.service", "5")
    make.entry(school.term, school.students[3], "moral.service", "2")  # 82: 3 stars either way
    make.entry(school.term, school.other_students[0], "moral.service", "6")
    db.session.commit()
    draft = default_rules_source().replace(MORAL_OLD, MORAL_NEW)
    before = _stars(evaluate_term(school.term))

    preview = rulesets.what_if(school.admin, school.term.id, draft)

    # Recompute: adopt the draft, evaluate again, compare.
    version = rulesets.add_version(school.admin, school.term.rule_version.rule_set_id, draft)
    rulesets.assign_version(school.admin, school.term.id, version.id)
    after = _stars(evaluate_term(school.term))
    really_changed = {sid for sid in after if after[sid] != before[sid]}
    assert {c.student_id for c in preview.changes} == really_changed
    assert len(really_changed) == 4
    assert preview.total == len(after)
    assert sum(preview.after) == sum(preview.before) == len(after)
    for change in preview.changes:
        assert "moral" in change.changed
        assert change.before["moral"] == before[change.student_id][1]["moral"]
        assert change.after["moral"] == after[change.student_id][1]["moral"]


def test_what_if_page_shows_changes_and_rule_errors(act, make, school):
    make.entry(school.term, school.students[0], "moral.service", "5")
    db.session.commit()
    admin = act(school.admin)
    html = admin.get(f"/admin/what-if?term={school.term.id}").get_data(as_text=True)
    assert "moral" in html  # prefilled with the term's current rules
    draft = default_rules_source().replace(MORAL_OLD, MORAL_NEW)
    html = admin.post("/admin/what-if", {"term_id": school.term.id, "source": draft}
                      ).get_data(as_text=True)
    assert 'id="what-if-changes"' in html
    assert f'data-student="{school.students[0].student_no}"' in html
    assert f'data-student="{school.students[1].student_no}"' not in html
    html = admin.post("/admin/what-if", {"term_id": school.term.id, "source": BAD}
                      ).get_data(as_text=True)
    assert "dimensions[0].key" in html


def test_rule_upload_page_shows_paths_and_saves_valid_rules(act, school):
    admin = act(school.admin)
    response = admin.post("/admin/rules", {"name": "上传细则",
                                           "file": (BytesIO(BAD.encode()), "r.toml")},
                          content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "dimensions[0].key" in html
    assert db.session.scalar(sa.select(RuleSet.id).where(RuleSet.name == "上传细则")) is None
    response = admin.post("/admin/rules", {"name": "上传细则", "source": default_rules_source()})
    assert response.status_code == 302
    rule_set = db.session.scalar(sa.select(RuleSet).where(RuleSet.name == "上传细则"))
    version = db.session.scalar(sa.select(RuleSetVersion).where(
        RuleSetVersion.rule_set_id == rule_set.id))
    download = admin.get(f"/admin/rules/versions/{version.id}.toml")
    assert download.get_data(as_text=True) == default_rules_source()
    assert admin.get(f"/admin/rules/{rule_set.id}").status_code == 200
    response = admin.post("/admin/rules/assign", {"term_id": school.term.id,
                                                  "version_id": version.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Term, school.term.id).rule_version_id == version.id


def test_another_schools_rules_are_not_reachable(act, make, school):
    other = make.school()
    version = make.rules(other)
    db.session.commit()
    admin = act(school.admin)
    assert admin.get(f"/admin/rules/{version.rule_set_id}").status_code == 404
    assert admin.get(f"/admin/rules/versions/{version.id}.toml").status_code == 404
    admin.post("/admin/rules/assign", {"term_id": school.term.id, "version_id": version.id})
    db.session.expire_all()
    assert db.session.get(Term, school.term.id).rule_version_id != version.id


def test_adopting_a_previewed_draft_makes_a_version_and_assigns_it(act, school):
    draft = default_rules_source().replace(MORAL_OLD, MORAL_NEW)
    old = school.term.rule_version
    response = act(school.admin).post("/admin/what-if", {
        "term_id": school.term.id, "source": draft, "adopt": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    term = db.session.get(Term, school.term.id)
    assert term.rule_version.source == draft
    assert term.rule_version.rule_set_id == old.rule_set_id
    assert term.rule_version.version == old.version + 1
