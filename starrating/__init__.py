"""starrating — 学生综合素质星级评价: the Flask application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import ProductionConfig, config_from_env

from . import (
    boundary,
    cli,
    db_events,
    errors,
    i18n,
    jobs,
    navigation,
    page_cache,
    security,
    templating,
)
from .admin import bp as admin_bp
from .auth import bp as auth_bp
from .auth.sessions import init_login
from .city import bp as city_bp
from .extensions import csrf, db, migrate
from .guardian import bp as guardian_bp
from .guardian import families_bp, inbox_bp
from .main import bp as main_bp
from .student import bp as student_bp
from .teacher import bp as teacher_bp

PACKAGE_DIR = Path(__file__).resolve().parent


def _template_folder() -> str:
    # An installed wheel carries templates/ inside the package; a checkout has it at the root.
    inside = PACKAGE_DIR / "templates"
    return str(inside if inside.is_dir() else PACKAGE_DIR.parent / "templates")


def create_app(config: object | None = None) -> Flask:
    """Build the app. `config` is a config class/object or a dict of overrides."""
    app = Flask(__name__, template_folder=_template_folder(), instance_relative_config=True)
    base = config if config is not None and not isinstance(config, dict) else config_from_env()
    app.config.from_object(base)
    if isinstance(config, dict):
        app.config.update(config)
    if base is ProductionConfig or app.config.get("ENV_NAME") == "production":
        ProductionConfig.check()

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'starrating.sqlite3'}"
        )
    if not app.config.get("STARRATING_FILES_DIR"):
        app.config["STARRATING_FILES_DIR"] = str(Path(app.instance_path) / "files")

    if app.config.get("TRUSTED_PROXIES"):
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    register_extensions(app)
    register_blueprints(app)
    boundary.install(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    db_events.init_db_events(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True)
    csrf.init_app(app)
    init_login(app)
    i18n.init_app(app)
    security.init_app(app)
    navigation.init_app(app)
    templating.init_app(app)
    page_cache.init_app(app)
    jobs.init_app(app)


def _migrations_dir() -> str:
    inside = PACKAGE_DIR / "migrations"
    return str(inside if inside.is_dir() else PACKAGE_DIR.parent / "migrations")


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(teacher_bp, url_prefix="/teacher")
    app.register_blueprint(student_bp, url_prefix="/student")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(city_bp, url_prefix="/city")
    app.register_blueprint(guardian_bp, url_prefix="/guardian")
    app.register_blueprint(inbox_bp, url_prefix="/inbox")
    app.register_blueprint(families_bp, url_prefix="/families")


def register_errorhandlers(app: Flask) -> None:
    errors.init_app(app)


def register_commands(app: Flask) -> None:
    cli.init_app(app)


# The job worker (`huey_consumer starrating.jobs.huey`) builds its app with the factory.
jobs.huey.app_factory = create_app
