"""The city office's blueprint (/city/...); its views register when the package imports them."""

from flask import Blueprint

bp = Blueprint("city", "starrating.city")
