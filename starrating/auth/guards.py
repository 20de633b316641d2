"""Role guards for views. Ownership is checked in services (see services/access.py)."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required  # noqa: F401 (re-exported)

from ..models import Role


def roles_required(*roles: Role):
    """Anonymous users go to the login page; users of another role get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required(Role.ADMIN)


def city_required(view):
    """The city office: a city account outside a school, or inside one (its city_visit)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_city:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
teacher_required = roles_required(Role.TEACHER, Role.ADMIN)
student_required = roles_required(Role.STUDENT)
