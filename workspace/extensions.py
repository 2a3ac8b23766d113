"""Extensions, created unbound; create_app() binds them to an app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from workspace.database import Base

db = SQLAlchemy(model_class=Base)
# Models subclass Model: db.Model at run time, which Flask-SQLAlchemy builds from Base. Type
# checkers can't take a base class from an attribute of an instance (mypy issue 8603), so they
# see Base itself, whose typed columns and relationships are the ones that count.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
socketio = SocketIO()
# No default limits: only the routes that need throttling (sign-in, resets) declare them.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
