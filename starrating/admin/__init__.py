from flask import Blueprint

bp = Blueprint("admin", __name__)

# Views register on import; each area adds its own line (the first carries I001 for all).
from . import audit, dashboard, imports, rules, setup, views  # noqa: E402,F401,I001
from . import reports  # noqa: E402,F401
from . import workflow  # noqa: E402,F401
from . import flags  # noqa: E402,F401
