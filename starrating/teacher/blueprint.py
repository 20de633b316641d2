"""The teacher blueprint; its views register on it when the package imports them."""

from flask import Blueprint

bp = Blueprint("teacher", 'starrating.teacher')
