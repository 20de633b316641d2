"""Flask extensions, created unbound and attached in create_app()."""

from __future__ import annotations

import weakref

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine
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


    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is None and self.info.get(READ_ONLY) and isinstance(engine, Engine):
            return read_only_engine(engine)
        return engine


# A GET (or HEAD) request reads only: the boundary rolls back whatever it did. Its session
# is bound to the engine's read-only twin (`begin_reads`), which shares the pool. On
# PostgreSQL the twin runs in autocommit, so a page costs its statements and no BEGIN and
# ROLLBACK round trips (PostgreSQL's READ COMMITTED gives each statement its own snapshot
# either way, so the page reads what it read in a transaction). On every database a write
# statement on the twin is refused before it is sent (db_events.refuse_writes): a GET that
# tried to write would otherwise commit it at once on PostgreSQL.
READ_ONLY = "starrating_read_only"
_read_only_twins: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def read_only_engine(engine: Engine) -> Engine:
    twin = _read_only_twins.get(engine)
    if twin is None:
        options = {READ_ONLY: True}
        if engine.dialect.name == "postgresql":
            options["isolation_level"] = "AUTOCOMMIT"
        twin = _read_only_twins[engine] = engine.execution_options(**options)
    return twin


def begin_reads(session) -> None:
    """Bind this request's session to the read-only twin, unless a transaction is already
    open (a test's own session shared with the request it makes)."""
    if not session.in_transaction():
        session.info[READ_ONLY] = True


def end_reads(session) -> None:
    session.info.pop(READ_ONLY, None)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
