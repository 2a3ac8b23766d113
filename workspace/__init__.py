"""CoP Workspace: communities of practice for state education agencies."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from workspace import cli, fragments, logging_setup, realtime, security, templating
from workspace.config import (
    DefaultConfig,
    default_database_uri,
    instance_secret_key,
    read_environment,
)
from workspace.errors import register_error_handlers
from workspace.extensions import csrf, db, limiter, login_manager, migrate, socketio
from workspace.files import uploads
from workspace.ops.startup import check_settings


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    app.config.from_object(DefaultConfig)
    app.config.update(read_environment(os.environ))
    app.config.update(overrides or {})
    check_settings(app.config)  # before the defaults below, which production must not rely on
    logging_setup.configure(app)  # first of the request hooks, so every line has its request id
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = default_database_uri(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    register_extensions(app)
    register_blueprints(app)
    register_draft_kinds(app)
    register_community_setup(app)
    register_error_handlers(app)
    uploads.register(app)
    templating.register(app)
    fragments.init_app(app)
    security.register(app)
    cli.register(app)
    if app.config.get("BEHIND_PROXY"):
        # Outermost, so Socket.IO's requests are seen as the proxy's client made them too.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    return app


def register_extensions(app: Flask) -> None:
    from workspace import database_setup, models  # noqa: F401 - every model must be mapped
    from workspace.files import storage

    database_setup.prepare_engine_options(app)
    db.init_app(app)
    database_setup.attach_engine_events(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    realtime.init_app(app)
    storage.init_app(app)
    import_live_event_handlers()
    # Always pass message_queue and a new client manager, even without Redis: SocketIO keeps
    # options from earlier init_app calls. The manager is realtime's, which can also evict.
    socketio.init_app(app, message_queue=app.config.get("REDIS_URL"),
                      client_manager=realtime.client_manager(app.config.get("REDIS_URL")),
                      async_mode=app.config.get("SOCKETIO_ASYNC_MODE") or realtime.async_mode(),
                      manage_session=False)


def import_live_event_handlers() -> None:
    """Import every feature's Socket.IO handlers before the first socketio.init_app.

    Flask-SocketIO re-registers handlers declared before a server exists on every new server
    (one per app), but binds handlers declared later to the current server only.
    """
    from workspace.blogs import events as blog_events  # noqa: F401
    from workspace.forums import events as forum_events  # noqa: F401
    from workspace.realtime import connection  # noqa: F401 - connect, errors
    from workspace.sessions import events as session_events  # noqa: F401
    from workspace.sessions import moderation as session_moderation  # noqa: F401 - flaggable
    from workspace.sessions import poll_events  # noqa: F401 - polls and action items


def register_blueprints(app: Flask) -> None:
    from workspace.announcements.routes import bp as announcements_bp
    from workspace.auth.routes import bp as auth_bp
    from workspace.blogs.comment_routes import bp as blog_comments_bp
    from workspace.blogs.feed_routes import bp as blog_feeds_bp
    from workspace.blogs.image_routes import bp as blog_images_bp
    from workspace.blogs.routes import bp as blogs_bp
    from workspace.blogs.routes import latest_bp
    from workspace.communities.routes import bp as communities_bp
    from workspace.forums.routes import activity_bp
    from workspace.forums.routes import bp as forums_bp
    from workspace.home.routes import bp as home_bp
    from workspace.jobs.routes import bp as jobs_bp
    from workspace.mail.routes import bp as mail_bp
    from workspace.moderation.routes import bp as moderation_bp
    from workspace.notifications.email_routes import bp as email_settings_bp
    from workspace.notifications.routes import bp as notifications_bp
    from workspace.ops.health import bp as ops_bp
    from workspace.organizations.routes import bp as organizations_bp
    from workspace.resources.routes import bp as library_bp
    from workspace.resources.routes import resources_bp
    from workspace.sessions.calendar_routes import bp as calendar_bp
    from workspace.sessions.poll_routes import bp as polls_bp
    from workspace.sessions.routes import bp as sessions_bp
    from workspace.sessions.routes import mine_bp as my_sessions_bp
    from workspace.writing.routes import bp as writing_bp

    for blueprint in (home_bp, auth_bp, organizations_bp, communities_bp, announcements_bp,
                      notifications_bp, mail_bp, forums_bp, activity_bp, moderation_bp,
                      writing_bp, sessions_bp, my_sessions_bp, calendar_bp,
                      polls_bp, jobs_bp, library_bp, resources_bp, blogs_bp, latest_bp,
                      blog_feeds_bp, blog_images_bp, blog_comments_bp, email_settings_bp,
                      ops_bp):
        app.register_blueprint(blueprint)


def register_draft_kinds(app: Flask) -> None:
    """What each feature lets people keep drafts of in the shared editor (workspace.writing)."""
    from workspace.blogs import comment_drafts as blog_comment_drafts
    from workspace.blogs import drafts as blog_drafts
    from workspace.forums import drafts as forum_drafts
    from workspace.resources import drafts as resource_drafts
    from workspace.sessions import drafts as session_drafts

    forum_drafts.register(app)
    session_drafts.register(app)
    resource_drafts.register(app)
    blog_drafts.register(app)
    blog_comment_drafts.register(app)


def register_community_setup(app: Flask) -> None:
    """What each feature sets up in a community the app creates, and the sections it adds to
    the community's page (see communities/hooks.py)."""
    from workspace.blogs.panel import catalogue_notes as blog_notes
    from workspace.blogs.panel import community_panel as blog_panel
    from workspace.communities.hooks import on_catalogue, on_community_created, on_community_page
    from workspace.forums.service import add_default_categories
    from workspace.resources.panel import community_panel as library_panel
    from workspace.sessions.panel import community_panel as sessions_panel

    on_community_created(app, add_default_categories)  # the forum starts with its categories
    on_community_page(app, sessions_panel)  # what is open now and coming next
    on_community_page(app, library_panel)  # the newest resources; public ones for visitors
    on_community_page(app, blog_panel)  # the newest posts; public ones for visitors
    on_catalogue(app, blog_notes)  # each card's latest public post: it helps recruiting
