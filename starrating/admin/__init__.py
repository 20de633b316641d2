from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import views  # noqa: E402,F401
from . import setup  # noqa: E402,F401
from . import imports  # noqa: E402,F401
from . import rules  # noqa: E402,F401
