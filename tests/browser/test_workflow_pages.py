"""Admin publishing and teacher appeal pages at 375 px and desktop, in English and Chinese."""

from __future__ import annotations

import pytest

from starrating.extensions import db
from starrating.services import appeals, workflow
from starrating.services.appeals import AppealInput


@pytest.fixture
def busy(school, make):
    e = make.entry(school.term, school.students[0], "moral.discipline", "-4", school.teacher)
    make.entry(school.term, school.students[1], "skill.competition", "12", school.teacher)
    db.session.commit()
    for c in (school.class_a, school.class_b):
        workflow.submit_class(school.admin, school.term, c.id)
    workflow.publish_classes(school.admin, school.term, [school.class_a.id])
    db.session.commit()
    appeals.create_appeal(school.student_user, school.term,
                          AppealInput(entry_id=e.id, text="我那天请了假"))
    db.session.commit()
    return school


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_admin_and_teacher_pages(busy, new_page, size):
    limit = 375 if size == "phone" else 1280
    for user, paths in (("admin1", ["/admin/workflow"]),
                        ("teacher_a", ["/teacher/appeals", "/teacher/appeals/1",
                                       f"/teacher/class/{busy.class_a.id}/status"])):
        p = new_page(375, 780, mobile=True) if size == "phone" else new_page()
        p.login(user)
        for lang in ("zh_Hans_CN", "en"):
            if lang == "en":
                p.set_language("en")
            for path in paths:
                p.go(path)
                assert p.evaluate("() => document.documentElement.scrollWidth") <= limit + 1 \
                    or p.locator(".table-wrap").count() > 0
                name = path.strip("/").replace("/", "_")
                p.shot(f"workflow_{name}_{size}_{lang}")
        assert p.console_errors == []
