"""Flask-Login wiring: the cookie carries a LoginSession token, never the user id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user
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
    """The one statement of a logged-in request, built once per process (building it —
    an aliased table, four entities, a subquery — cost more than running it)."""
    global _LOGIN_STATEMENT
    if _LOGIN_STATEMENT is None:
        shown_school = sa.orm.aliased(School)
        unread = (sa.select(sa.func.count()).select_from(Notification)
                  .where(Notification.user_id == User.id, Notification.read_at.is_(None))
                  .scalar_subquery())
        _LOGIN_STATEMENT = (
            sa.select(LoginSession, User, Student, SchoolClass, School.graduates_can_log_in,
                      unread, page_cache.version_column(),
                      shown_school.name, shown_school.name_en, shown_school.code,
                      shown_school.logo_type, shown_school.timezone)
            .join(User, User.id == LoginSession.user_id)
            .outerjoin(Student, Student.id == User.student_id)
            .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
            .outerjoin(School, School.id == Student.school_id)
            .outerjoin(shown_school, shown_school.id == sa.func.coalesce(
                LoginSession.school_id, User.school_id))
            .where(LoginSession.token == sa.bindparam("token")))
    return _LOGIN_STATEMENT


_LOGIN_STATEMENT = None


@login_manager.user_loader
def load_user(token: str) -> User | None:
    # The student's status and their school's setting come in the same statement: a student
    # who left (or a graduate once the school stops graduates' logins) is signed out here
    # even if a session row survived. The school shown in the header comes along too: the
    # user's own, or the one a city-office user has entered in this browser.
    # The inbox badge's count comes along too (no statement of its own on every page), a
    # student's own record and class (every student page shows them), and the page version
    # (page_cache), read before anything the page shows.
    row = db.session.execute(_login_statement(), {"token": token}).first()
    if row is None:
        return None
    (login_session, user, student, klass, graduates_can_log_in, unread_count, version,
     *school) = row
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
