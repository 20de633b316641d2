"""The admin blueprint; its views register on it when the package imports them."""

from flask import Blueprint

bp = Blueprint("admin", 'starrating.admin')
