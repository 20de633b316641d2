"""The floor for the HTTP benchmark: a bare Flask hello-world on the same gunicorn setup."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
