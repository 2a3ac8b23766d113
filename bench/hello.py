"""The floor for bench/forums.py: a bare Flask "hello world", served the same way as the app."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, World!"
