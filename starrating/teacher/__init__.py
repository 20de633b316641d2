from flask import Blueprint

bp = Blueprint("teacher", __name__)

from . import appeals, workflow  # noqa: E402,F401,I001
from . import views  # noqa: E402,F401
from . import entry_views, grid, imports  # noqa: E402,F401
