"""A realistic demo school: two departments, four majors, six classes, 240 students.

Deterministic (a seeded random generator) and idempotent: running it twice changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources

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
)
from .rules import load_rules

DEMO_SCHOOL_CODE = "DEMO"
ADMIN_PASSWORD = "Admin2026"
TEACHER_PASSWORD = "Teacher2026"
STUDENT_PASSWORD = "Student2026"
DEMO_LOGINS = [
    ("admin", "admin", ADMIN_PASSWORD),
    ("teacher", "wangfang", TEACHER_PASSWORD),
    ("student", "2024010001", STUDENT_PASSWORD),
]

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


def seed_demo(today: date | None = None) -> bool:
    """Create the demo school unless it exists. Returns True when it was created."""
    if db.session.scalar(sa.select(School.id).where(School.code == DEMO_SCHOOL_CODE)):
        return False
    rng = random.Random(20260901)
    today = today or date.today()
    school = School(code=DEMO_SCHOOL_CODE, name="示例市技师学院")
    db.session.add(school)
    db.session.flush()

    admin = User(username="admin", display_name="学生处 周主任", role=Role.ADMIN,
                 school_id=school.id)
    admin.set_password(ADMIN_PASSWORD)
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
    term = Term(school_id=school.id, name=name, start_date=start, end_date=end,
                status=TermStatus.OPEN, rule_version_id=version.id, notice_days=5,
                club_indicator="club.membership")
    db.session.add(term)
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
                db.session.add(ClassAssignment(term_id=term.id, class_id=school_class.id,
                                               teacher_id=next(teacher_iter).id))
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
    memberships = []
    for s in students:
        # Most students join one club, some two, a few none (the cap shows in the demo).
        k = rng.choices([0, 1, 2], weights=[4, 76, 20])[0]
        for club in rng.sample(clubs, k):
            memberships.append(ClubMembership(club_id=club.id, student_id=s.id, term_id=term.id,
                                              joined_on=start + timedelta(days=rng.randint(3, 20))))
    db.session.add_all(memberships)
    db.session.flush()
    _seed_entries(rng, term, students, teachers, classes, today)
    return True


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
