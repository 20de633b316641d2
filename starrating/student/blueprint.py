"""The student blueprint; its views register on it when the package imports them."""

from flask import Blueprint

bp = Blueprint("student", 'starrating.student')
