"""Flask extensions, created unbound and attached in create_app()."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Session(FlaskSession):
    """Survives a pooled connection the database dropped (a restart, pg_terminate_backend,
    an idle timeout), without a `SELECT 1` before every checkout (`pool_pre_ping`).

    When the first statement of a transaction fails because its connection is gone,
    nothing of the transaction has reached the database yet, so it is safe to roll back
    and send that statement once more, on a new connection (SQLAlchemy has invalidated the
    pool's old ones). Only then: a failure later in a transaction, or with changes waiting
    to be flushed, is raised as before (the request answers 503 and rolls back).
    """

    def _execute_internal(self, *args, **kwargs):
        if self.in_transaction() or self.new or self.dirty or self.deleted:
            return super()._execute_internal(*args, **kwargs)
        try:
            return super()._execute_internal(*args, **kwargs)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            self.rollback()
            return super()._execute_internal(*args, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
