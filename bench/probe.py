"""The app plus two routes that exist only for bench/forums.py, to show where a page's cost starts.

- /_bench/hello: the app's own work on every request (Socket.IO middleware, session, rate
  limiter, security headers), no user and no template;
- /_bench/user: the same, plus loading the signed-in person (Flask-Login, one query).
"""

from flask_login import current_user

from workspace import create_app

app = create_app()


@app.route("/_bench/hello")
def bench_hello() -> str:
    return "Hello, World!"


@app.route("/_bench/user")
def bench_user() -> str:
    return "Hello, signed-in person!" if current_user.is_authenticated else "Hello, visitor!"
