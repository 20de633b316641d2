from flask import Blueprint

bp = Blueprint("admin", __name__)

# Each area adds its module to this one line (views register on import).
from . import audit, dashboard, imports, rules, setup, views  # noqa: E402,F401
