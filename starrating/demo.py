"""A realistic demo school: two departments, four majors, six classes, 240 students, and
two terms — last term final (results, appeals decided, history), this term open with a
term's worth of records and one class published, so its students see their stars at once.

Deterministic (a seeded random generator) and idempotent: running it twice changes nothing.
The workflow steps go through the services (submit, publish, appeal, decide, finalize), so
the demo's history is the one a real school would have.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from .extensions import db
from .models import (
    ClassAssignment,
    Club,
    ClubMembership,
    Department,
    Entry,
    EntrySource,
    Gender,
    Major,
    Role,
    RuleSet,
    RuleSetVersion,
    School,
    SchoolClass,
    Student,
    Term,
    TermStatus,
    User,
    utcnow,
)
from .rules import load_rules
from .services import appeals, guardians, workflow
from .services.clock import school_today

SHANGHAI = ZoneInfo("Asia/Shanghai")

DEMO_SCHOOL_CODE = "DEMO"
ADMIN_PASSWORD = "Admin2026"
TEACHER_PASSWORD = "Teacher2026"
STUDENT_PASSWORD = "Student2026"
CITY_PASSWORD = "City2026"
GUARDIAN_PASSWORD = "Parent2026"
GUARDIAN_PHONE = "13800000001"  # the guardian logs in with it
# The class published this term: its students see their stars on the first login.
PUBLISHED_CLASS = "24焊接1班"
DEMO_LOGINS = [
    ("admin", "admin", ADMIN_PASSWORD),
    ("teacher", "wangfang", TEACHER_PASSWORD),
    ("student", "2024020001", STUDENT_PASSWORD),
    ("student", "2024010001", STUDENT_PASSWORD),
    ("guardian", GUARDIAN_PHONE, GUARDIAN_PASSWORD),
    ("city", "city", CITY_PASSWORD),
]
DEMO_HINTS = {
    "2024020001": "24焊接1班: this term's results are published — stars, reasons, appeal "
                  "/ 本学期结果已公示：可看星级、原因、申诉",
    "2024010001": "24机电1班: this term still open; last term's stars under 往期 "
                  "/ 本学期进行中，上学期星级可切换查看",
    "wangfang": "class teacher of 24机电1班 / 24机电1班班主任",
    "city": "city office: log in at /city/login / 市教育局：在 /city/login 登录",
    GUARDIAN_PHONE: "guardian of 2024020001 / 2024020001 的家长",
}

STRUCTURE = {
    "机电工程系": {
        "机电一体化": [("24机电1班", 2024, "01"), ("25机电1班", 2025, "04")],
        "焊接加工": [("24焊接1班", 2024, "02")],
    },
    "信息工程系": {
        "计算机网络应用": [("24计网1班", 2024, "03"), ("25计网1班", 2025, "05")],
        "电子商务": [("25电商1班", 2025, "06")],
    },
}
TEACHERS = [
    ("wangfang", "王芳"), ("lijun", "李军"), ("zhangwei", "张伟"), ("liuyang", "刘洋"),
    ("chenjing", "陈静"), ("yangming", "杨明"), ("zhaolei", "赵磊"), ("sunli", "孙丽"),
]
CLUBS = [
    ("机器人社", "机器人设计与竞赛"), ("篮球社", "篮球训练与校内联赛"),
    ("书法社", "硬笔、软笔书法"), ("青年志愿者协会", "校内外志愿服务"),
    ("电子竞技社", "电竞赛事组织与训练"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐沿梅莫庄辛管祝左涂谷祁时舒耿牟卜詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳解强丛华车冉房边"  # noqa: E501
GIVEN_MALE = "伟强磊军洋勇杰涛明超亮浩宇鹏飞俊峰辉鑫博文斌凯晨阳旭东帅龙坤健宁晖豪堃喆犇赟"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞婷雪琳颖慧晶欣怡佳悦雯瑶萱妍倩琪璐蕾㛃婧馨月"


def _name(rng: random.Random, gender: Gender) -> str:
    pool = GIVEN_MALE if gender == Gender.MALE else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def default_rules_source() -> str:
    return resources.files("starrating.rules").joinpath("default.toml").read_text("utf-8")


def current_term_dates(today: date) -> tuple[str, date, date]:
    """The school term that contains `today` (autumn: Sep–Jan, spring: Feb–Jul)."""
    if today.month >= 8:
        y = today.year
        return f"{y}—{y + 1}学年第一学期", date(y, 9, 1), date(y + 1, 1, 20)
    if today.month == 1:
        y = today.year - 1
        return f"{y}—{y + 1}学年第一学期", date(y, 9, 1), date(y + 1, 1, 20)
    y = today.year - 1
    return f"{y}—{y + 1}学年第二学期", date(y + 1, 2, 20), date(y + 1, 7, 10)


def previous_term_dates(start: date) -> tuple[str, date, date]:
    """The term before the one starting on `start`."""
    if start.month >= 8:  # autumn → last spring
        y = start.year
        return f"{y - 1}—{y}学年第二学期", date(y, 2, 20), date(y, 7, 10)
    y = start.year - 1
    return f"{y}—{y + 1}学年第一学期", date(y, 9, 1), date(y + 1, 1, 20)


def seed_demo(today: date | None = None) -> bool:
    """Create the demo school unless it exists. Returns True when it was created."""
    if db.session.scalar(sa.select(School.id).where(School.code == DEMO_SCHOOL_CODE)):
        return False
    rng = random.Random(20260901)
    today = today or school_today()
    school = School(code=DEMO_SCHOOL_CODE, name="示例市技师学院",
                    name_en="Demo City Technician College", address="示例市职教路 1 号")
    db.session.add(school)
    db.session.flush()

    admin = User(username="admin", display_name="学生处 周主任", role=Role.ADMIN,
                 school_id=school.id)
    admin.set_password(ADMIN_PASSWORD)
    city = User(username="city", display_name="市教育局 李科长", role=Role.CITY)
    city.set_password(CITY_PASSWORD)
    db.session.add(city)
    teacher_hash = generate_password_hash(TEACHER_PASSWORD)
    teachers = [User(username=u, display_name=n, role=Role.TEACHER, school_id=school.id,
                     password_hash=teacher_hash) for u, n in TEACHERS]
    db.session.add_all([admin, *teachers])

    rules_source = default_rules_source()
    rule_set = RuleSet(school_id=school.id, name="学生综合素质星级评价细则")
    db.session.add(rule_set)
    db.session.flush()
    version = RuleSetVersion(rule_set_id=rule_set.id, version=1, source=rules_source,
                             format="toml", created_by_id=admin.id, comment="默认细则")
    db.session.add(version)
    db.session.flush()

    name, start, end = current_term_dates(today)
    last_name, last_start, last_end = previous_term_dates(start)
    last = Term(school_id=school.id, name=last_name, start_date=last_start, end_date=last_end,
                status=TermStatus.OPEN, rule_version_id=version.id, notice_days=5,
                club_indicator="club.membership")
    term = Term(school_id=school.id, name=name, start_date=start, end_date=end,
                status=TermStatus.OPEN, rule_version_id=version.id, notice_days=5,
                club_indicator="club.membership")
    db.session.add_all([last, term])
    db.session.flush()

    student_hash = generate_password_hash(STUDENT_PASSWORD)  # one hash: 240 scrypts are slow
    classes: list[SchoolClass] = []
    students: list[Student] = []
    teacher_iter = iter(teachers)
    for dept_name, majors in STRUCTURE.items():
        dept = Department(school_id=school.id, name=dept_name)
        db.session.add(dept)
        for major_name, class_specs in majors.items():
            major = Major(department=dept, name=major_name)
            db.session.add(major)
            for class_name, grade, code in class_specs:
                school_class = SchoolClass(school_id=school.id, major=major, name=class_name,
                                           grade=grade)
                db.session.add(school_class)
                db.session.flush()
                classes.append(school_class)
                teacher = next(teacher_iter)
                for t in (last, term):
                    db.session.add(ClassAssignment(term_id=t.id, class_id=school_class.id,
                                                   teacher_id=teacher.id))
                for i in range(1, 41):
                    gender = Gender.MALE if rng.random() < 0.62 else Gender.FEMALE
                    student = Student(school_id=school.id, student_no=f"{grade}{code}{i:04d}",
                                      name=_name(rng, gender), gender=gender,
                                      class_id=school_class.id)
                    students.append(student)
    db.session.add_all(students)
    db.session.flush()
    db.session.add_all([
        User(username=s.student_no, display_name=s.name, role=Role.STUDENT,
             school_id=school.id, student_id=s.id, password_hash=student_hash)
        for s in students
    ])

    clubs = [Club(school_id=school.id, name=n, description=d) for n, d in CLUBS]
    db.session.add_all(clubs)
    db.session.flush()
    for t in (last, term):
        _seed_memberships(rng, t, students, clubs)
        _seed_entries(rng, t, students, teachers, classes, today)
    _run_last_term(rng, admin, last, classes, teachers)
    _publish_one_class(admin, term, classes)
    _demo_guardian(school.id)
    return True


def _demo_guardian(school_id: int) -> None:
    """The parent of the published class's first student, activated (no invitation code)."""
    student_id = db.session.scalar(sa.select(Student.id).where(
        Student.school_id == school_id, Student.student_no == "2024020001"))
    guardian = guardians.link(None, school_id, student_id, "李父", "父亲", GUARDIAN_PHONE)
    guardian.user.set_password(GUARDIAN_PASSWORD)
    guardian.user.active = True
    guardian.activated_at = utcnow()


def _seed_memberships(rng, term, students, clubs) -> None:
    memberships = []
    for s in students:
        # Most students join one club, some two, a few none (the cap shows in the demo).
        k = rng.choices([0, 1, 2], weights=[4, 76, 20])[0]
        for club in rng.sample(clubs, k):
            memberships.append(ClubMembership(
                club_id=club.id, student_id=s.id, term_id=term.id,
                role="社长" if rng.random() < 0.03 else "",
                joined_on=term.start_date + timedelta(days=rng.randint(3, 20))))
    db.session.add_all(memberships)
    db.session.flush()


def _at(day: date, hour: int) -> datetime:
    """A Shanghai wall time on `day`, as the UTC the database keeps."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def _run_last_term(rng, admin, term, classes, teachers) -> None:
    """Last term's year-end: every class submitted and published, a few appeals decided
    during the notice period, then final when the notice ended; the term closed."""
    ids = [c.id for c in classes]
    for c, teacher in zip(classes, teachers, strict=False):
        workflow.submit_class(teacher, term, c.id, now=_at(term.end_date - timedelta(days=4), 16))
    published = _at(term.end_date - timedelta(days=2), 10)
    workflow.publish_classes(admin, term, ids, notice_days=5, now=published)
    users = dict(db.session.execute(sa.select(User.student_id, User).where(
        User.student_id.in_(sa.select(Student.id).where(Student.class_id.in_(ids))))).all())
    entries = list(db.session.scalars(
        sa.select(Entry).join(Student, Student.id == Entry.student_id)
        .where(Entry.term_id == term.id, Entry.points_cents < 0,
               Student.class_id.in_(ids)).order_by(Entry.id)))
    teacher_of = {c.id: t for c, t in zip(classes, teachers, strict=False)}
    for n, entry in enumerate(rng.sample(entries, 4)):
        when = published + timedelta(days=1, hours=n)
        appeal = appeals.create_appeal(
            users[entry.student_id], term,
            appeals.AppealInput(entry_id=entry.id, text=APPEAL_TEXTS[n % len(APPEAL_TEXTS)]),
            now=when)
        teacher = teacher_of[entry.student.class_id]
        if n % 2 == 0:
            appeals.accept_appeal(teacher, appeal.id, appeals.Decision(
                action="delete", reason="已核实，当天已请假，撤销此条记录。"),
                now=when + timedelta(hours=3), today=term.end_date)
        else:
            appeals.reject_appeal(teacher, appeal.id, "经核对考勤表与班干部记录，记录属实。",
                                  now=when + timedelta(hours=3))
    workflow.finalize_due(now=published + timedelta(days=6), school_id=term.school_id)
    term.status = TermStatus.CLOSED
    db.session.flush()


APPEAL_TEXTS = [
    "那天我请了病假，有班主任批准的假条，不应记迟到。",
    "我当时在参加学校组织的技能训练，不是旷课。",
    "宿舍检查那天我不在宿舍，不是我的床位不合格。",
    "手机是老师让拍实训照片时用的。",
]


def _publish_one_class(admin, term, classes) -> None:
    """This term: one class submitted and published today, so its students see stars."""
    published = next(c for c in classes if c.name == PUBLISHED_CLASS)
    teacher = db.session.scalar(sa.select(User).join(
        ClassAssignment, ClassAssignment.teacher_id == User.id).where(
        ClassAssignment.term_id == term.id, ClassAssignment.class_id == published.id))
    workflow.submit_class(teacher, term, published.id)
    workflow.publish_classes(admin, term, [published.id], notice_days=term.notice_days)


# (indicator, [(item, points)], weight of how often it happens)
DEMO_EVENTS = [
    ("moral.attendance", [("全勤(月)", Decimal(2)), ("迟到", Decimal(-1)), ("旷课(每节)", Decimal(-2))], 6),
    ("moral.discipline", [("违反课堂纪律", Decimal(-2)), ("手机违规", Decimal(-3))], 2),
    ("moral.dormitory", [("文明宿舍", Decimal(2)), ("宿舍卫生不合格", Decimal(-2))], 3),
    ("moral.service", [("志愿服务(每次)", Decimal(2)), ("社区志愿服务", Decimal(3))], 3),
    ("skill.course", [("课程成绩优秀", Decimal(3)), ("课程补考", Decimal(-3))], 3),
    ("skill.competition", [("校级技能大赛三等奖", Decimal(3)), ("市级技能大赛二等奖", Decimal(8))], 1),
    ("skill.certificate", [("职业技能等级证书(初级)", Decimal(5)), ("职业技能等级证书(中级)", Decimal(8))], 1),
    ("club.activity", [("社团活动出勤", Decimal(1))], 4),
    ("club.award", [("社团活动获奖", Decimal(3))], 1),
    ("labor.hours", [("劳动学时(2学时)", Decimal(2))], 4),
    ("labor.duty", [("值日优秀", Decimal(1)), ("值日缺勤", Decimal(-1))], 3),
    ("labor.practice", [("实习实训表现优秀", Decimal(4))], 1),
]


def _seed_entries(rng, term, students, teachers, classes, today) -> None:
    rules = load_rules(default_rules_source())
    known = set(rules.indicator_keys())
    events = [e for e in DEMO_EVENTS if e[0] in known]
    teacher_of = {c.id: teachers[i] for i, c in enumerate(classes)}
    end = min(today, term.end_date)
    span = max((end - term.start_date).days, 1)
    entries = []
    for s in students:
        diligence = rng.gauss(0, 1)  # some students simply do more
        n = max(2, int(rng.gauss(20 + 9 * diligence, 4)))
        for _ in range(n):
            indicator, items, _w = rng.choices(events, weights=[e[2] for e in events])[0]
            positive = [it for it in items if it[1] > 0]
            negative = [it for it in items if it[1] < 0]
            if negative and (not positive or rng.random() < 0.25 - 0.1 * diligence):
                item, points = rng.choice(negative)
            else:
                item, points = rng.choice(positive or items)
            entries.append(Entry(
                term_id=term.id, student_id=s.id, indicator=indicator,
                points_cents=int(points * 100), item_name=item, note="",
                occurred_on=term.start_date + timedelta(days=rng.randint(0, span)),
                source=EntrySource.FORM, author_id=teacher_of[s.class_id].id,
            ))
    db.session.add_all(entries)
    db.session.flush()
