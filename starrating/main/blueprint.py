"""The main blueprint; its views register on it when the package imports them."""

from flask import Blueprint

bp = Blueprint("main", 'starrating.main')
