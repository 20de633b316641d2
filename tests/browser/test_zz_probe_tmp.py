import json
from tests.browser.test_phones import NARROW_CELLS, big_class, phone667  # noqa: F401


def test_probe(phone667, big_class, make):
    school, p = big_class, phone667
    e = make.entry(school.term, school.big[0], "moral.service", "2", author=school.teacher,
                   note="在社区敬老院做志愿服务，打扫卫生并陪老人聊天两个小时")
    from starrating.extensions import db
    db.session.commit()
    p.login(school.teacher.username)
    out = {}
    for path in ["/teacher/", f"/teacher/class/{school.class_a.id}/grid",
                 f"/teacher/class/{school.class_a.id}/import",
                 f"/teacher/class/{school.class_a.id}/status", f"/teacher/entry/{e.id}/history",
                 "/teacher/appeals"]:
        p.go(path)
        out[path] = (p.evaluate(NARROW_CELLS, "table"), p.evaluate("document.documentElement.scrollWidth"))
        p.shot("probe" + path.replace("/", "_"))
    print(json.dumps(out, ensure_ascii=False, indent=1))
    p.context.clear_cookies()
    p.login(school.big[0].student_no)
    for path in ["/student/", "/student/entries", "/student/appeals"]:
        p.go(path)
        out[path] = (p.evaluate(NARROW_CELLS, "table"), p.evaluate("document.documentElement.scrollWidth"))
        p.shot("probe" + path.replace("/", "_"))
    print(json.dumps(out, ensure_ascii=False, indent=1))
