"""Flask-Login wiring: the cookie carries a LoginSession token, never the user id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .. import page_cache
from ..boundary import STATE_CHANGING
from ..errors import PermissionDenied
from ..extensions import db, login_manager
from ..models import LoginSession, Notification, Role, School, SchoolClass, Student, User, utcnow
from ..services.schools import record_city_write
from .services import student_may_log_in


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    # "strong" hashes X-Forwarded-For, which mobile networks change; tokens do the work.
    login_manager.session_protection = "basic"

    @app.before_request
    def require_new_password():
        """After an admin's reset (or a roster's initial password) the user must choose
        their own password before seeing anything else."""
        if request.endpoint in OPEN_BEFORE_NEW_PASSWORD or request.endpoint is None:
            return None
        if current_user.is_authenticated and current_user.must_change_password:
            return redirect(url_for("auth.change_password"))
        return None


    @app.before_request
    def city_visit_writes():
        """A city-office user inside a school writes only after choosing to act there, and
        each such write is audited with their name (services/schools.record_city_write)."""
        if request.method not in STATE_CHANGING or request.endpoint in CITY_VISIT_FREE:
            return None
        if not current_user.is_authenticated or current_user.city_visit is None:
            return None
        if not current_user.city_visit.may_write:
            raise PermissionDenied(_l("You are viewing this school read-only. To change "
                                      "something, enter it again and choose to act as its "
                                      "administrator."))
        record_city_write(current_user._get_current_object(), request.path)
        return None


# Writes a city visit may make whatever its mode: leaving, switching language, logging out.
CITY_VISIT_FREE = {"auth.logout", "main.set_language", "city.leave", "city.enter",
                   "auth.change_password", "static", "city.view_school", "city.start_workbook"}

# Reachable while the password must still be changed.
OPEN_BEFORE_NEW_PASSWORD = {"auth.change_password", "auth.logout", "auth.login", "static",
                            "main.healthz", "main.set_language"}


def _login_statement():
    """The one statement of a logged-in request and how its row splits into objects, built
    once per process (building it cost more than running it).

    A Core select of plain columns, not of ORM entities: the objects are made from the row
    (`_attach`) at a fraction of what the ORM's loading of four entities costs."""
    global _LOGIN
    if _LOGIN is None:
        login, user, student, klass = (cls.__table__ for _prefix, cls in _ENTITIES)
        school, shown = School.__table__, School.__table__.alias("shown_school")
        notification = Notification.__table__
        unread = (sa.select(sa.func.count()).select_from(notification)
                  .where(notification.c.user_id == user.c.id, notification.c.read_at.is_(None))
                  .scalar_subquery())
        columns, slices = [], []
        for prefix, cls in _ENTITIES:
            attrs = list(sa.inspect(cls).column_attrs)
            slices.append((cls, [a.key for a in attrs], slice(len(columns), len(columns) + len(attrs)),
                           [a.key for a in attrs].index("id")))
            columns += [a.columns[0].label(f"{prefix}_{a.key}") for a in attrs]
        statement = (
            sa.select(*columns, school.c.graduates_can_log_in.label("graduates"),
                      unread.label("unread"),
                      page_cache.version_of(sa.func.coalesce(login.c.school_id, user.c.school_id))
                      .label("version"),
                      shown.c.name, shown.c.name_en, shown.c.code, shown.c.logo_type,
                      shown.c.timezone)
            .select_from(login)
            .join(user, user.c.id == login.c.user_id)
            .outerjoin(student, student.c.id == user.c.student_id)
            .outerjoin(klass, klass.c.id == student.c.class_id)
            .outerjoin(school, school.c.id == student.c.school_id)
            .outerjoin(shown, shown.c.id == sa.func.coalesce(login.c.school_id, user.c.school_id))
            .where(login.c.token == sa.bindparam("token")))
        _LOGIN = statement, slices
    return _LOGIN


_LOGIN = None
# The row's objects, as (label prefix, mapped class): every column of each, so an object
# made from a row is whole (nothing left to load lazily).
_ENTITIES = (("ls", LoginSession), ("u", User), ("st", Student), ("cl", SchoolClass))


def _attach(session, cls: type, keys: list[str], values, pk: int):
    """The persistent `cls` object whose columns are `values` (None for an outer join's
    missing row), without a statement: the one the session already holds, or one made from
    the values and added to the session as loaded (`make_transient_to_detached`)."""
    if values[pk] is None:
        return None
    mapper = sa.inspect(cls)
    found = session.identity_map.get(mapper.identity_key_from_primary_key((values[pk],)))
    if found is not None:  # as the ORM's load does: expired attributes are filled from the row
        expired = sa.inspect(found).expired_attributes
        for key, value in zip(keys, values, strict=True):
            if key in expired:
                set_committed_value(found, key, value)
        return found
    obj = mapper.class_manager.new_instance()
    for key, value in zip(keys, values, strict=True):
        set_committed_value(obj, key, value)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


@login_manager.user_loader
def load_user(token: str) -> User | None:
    # The student's status and their school's setting come in the same statement: a student
    # who left (or a graduate once the school stops graduates' logins) is signed out here
    # even if a session row survived. The school shown in the header comes along too: the
    # user's own, or the one a city-office user has entered in this browser.
    # The inbox badge's count comes along too (no statement of its own on every page), a
    # student's own record and class (every student page shows them), and the page version
    # (page_cache), read before anything the page shows.
    statement, slices = _login_statement()
    session = db.session()
    row = session.execute(statement, {"token": token}).first()
    if row is None:
        return None
    login_session, user, student, klass = (_attach(session, cls, keys, row[part], pk)
                                           for cls, keys, part, pk in slices)
    graduates_can_log_in, unread_count, version = row.graduates, row.unread, row.version
    school = row[-5:]
    status = student.status if student is not None else None
    g._inbox_unread = unread_count or 0
    page_cache.set_version(version)
    if student is not None:
        set_committed_value(user, "student", student)
        set_committed_value(student, "school_class", klass)
    max_age = current_app.config["REMEMBER_COOKIE_DURATION"] + timedelta(days=1)
    if not user.active or login_session.created_at < utcnow() - max_age:
        return None
    if user.student_id is not None and not student_may_log_in(status, graduates_can_log_in):
        return None
    user.current_login_session = login_session
    if user.role == Role.CITY and login_session.school_id is not None:
        enter_as_admin(user, CityVisit(login_session.school_id, login_session.may_write))
    g.page_user = PageUser.of(user, PageSchool(*school) if school[2] else None)
    return user


@dataclass(frozen=True)
class CityVisit:
    """A city-office user inside one school: they see it as its admin does; they write only
    when they chose to act in it (`may_write`), and every write is audited with their name."""

    school_id: int
    may_write: bool


def enter_as_admin(user: User, visit: CityVisit) -> None:
    """For this request the city user is an admin of the visited school.

    The values are set as *committed* (`set_committed_value`), so nothing marks the row
    changed and no flush writes them; they come back after a rollback or commit expires the
    row (the `refresh` listener below), and the next request starts from the stored row."""
    user.city_visit = visit
    set_committed_value(user, "school_id", visit.school_id)
    set_committed_value(user, "role", Role.ADMIN)


@sa.event.listens_for(User, "refresh")
def _keep_city_visit(user: User, context, attrs) -> None:
    visit = user.city_visit
    if visit is not None:
        set_committed_value(user, "school_id", visit.school_id)
        set_committed_value(user, "role", Role.ADMIN)


@dataclass(frozen=True)
class PageSchool:
    name: str
    name_en: str
    code: str
    logo_type: str
    timezone: str

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_type)


class PageUser(UserMixin):
    """What the page layout reads of the logged-in user, copied at login so that an error
    page (database down, a failed request rolled back) renders without a query."""

    def __init__(self, id: str, role: str, display_name: str, locale: str | None,
                 school_id: int | None, school: PageSchool | None = None,
                 city_visit: CityVisit | None = None):
        self.id, self.role, self.display_name = id, role, display_name
        self.locale, self.school_id = locale, school_id
        self.school, self.city_visit = school, city_visit

    @classmethod
    def of(cls, user: User, school: PageSchool | None = None) -> PageUser:
        return cls(user.get_id(), user.role, user.display_name, user.locale, user.school_id,
                   school, user.city_visit)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        return self.id
