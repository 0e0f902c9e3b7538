"""The ceiling for the load test: a bare Flask app served by the same gunicorn setup."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, world"
