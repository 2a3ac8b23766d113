"""Blog feeds: the page where a member makes their secret feed address for a community's blog,
that feed (fetched by feed readers, which never sign in), and the public feed of the posts a
community's facilitators made public."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_login import AnonymousUserMixin, current_user, login_required

from workspace import errors, policy
from workspace.blogs import feeds
from workspace.blogs.atom import ATOM_TYPE, FeedLinks, blog_atom, tag_uri
from workspace.blogs.models import BlogPost
from workspace.blogs.service import post_link
from workspace.communities.models import Community
from workspace.extensions import limiter
from workspace.policy import Action

bp = Blueprint("blog_feeds", __name__)

FEED_CONTENT_TYPE = f"{ATOM_TYPE}; charset=utf-8"
# Generous: a feed reader fetches every half hour or so; this only stops a runaway client.
FEED_LIMIT = "60 per minute"
MAKE, TURN_OFF = "make", "turn_off"


def _absolute_url(endpoint: str, **values: str) -> str:
    # Behind the TLS-terminating proxy requests arrive as http; production's preferred scheme
    # (https) keeps the addresses feed readers store from pointing at plain http.
    scheme = "https" if request.is_secure else current_app.config["PREFERRED_URL_SCHEME"]
    return url_for(endpoint, _external=True, _scheme=scheme, **values)


def _post_url(post: BlogPost) -> str:
    scheme = "https" if request.is_secure else current_app.config["PREFERRED_URL_SCHEME"]
    return post_link(post, _external=True, _scheme=scheme)


@bp.route("/communities/<slug>/blog/feed", methods=["GET", "POST"])
@login_required
def your_feed(slug: str) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.READ)
    token = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == TURN_OFF:
            if feeds.revoke_feed(current_user, community):
                flash("Your feed address is turned off. Feed readers subscribed to it no "
                      "longer get new posts.", "success")
            else:
                flash("You had no feed address to turn off.", "info")
            return redirect(url_for(".your_feed", slug=slug))
        if action != MAKE:
            raise errors.Invalid("Choose to make a new address or to turn it off.")
        token = feeds.new_feed(current_user, community)
    return render_template(
        "blogs/feed.html", community=community,
        feed=feeds.active_feed(current_user, community),
        address=_absolute_url(".member_feed", token=token) if token else None,
        public_address=_absolute_url(".public_feed", slug=slug) if community.is_public
        else None)


def _feed_key() -> str:
    return "blog-feed:" + str((request.view_args or {}).get("token", ""))


def _not_found(response: Response) -> bool:
    return response.status_code == 404


def _plain_404(message: str) -> Response:
    # Feed readers show no page: a plain answer.
    return Response(message + "\n", status=404, mimetype="text/plain")


def _atom(community: Community, posts: list[BlogPost], *, audience: str, title: str,
          subtitle: str, self_url: str, cache: str) -> Response:
    base_url = _absolute_url("home.index")
    authority = urlsplit(base_url).hostname or "localhost"
    body = blog_atom(
        posts, title=title, subtitle=subtitle, authority=authority,
        feed_id=tag_uri(authority, community.created_at, f"blog:{community.id}:{audience}"),
        links=FeedLinks(self_url=self_url, base_url=base_url, post_url=_post_url,
                        page_url=_absolute_url("blogs.index", slug=community.slug)),
        empty_since=community.created_at)
    response = Response(body, content_type=FEED_CONTENT_TYPE)
    response.headers["Cache-Control"] = cache
    # Readers send the ETag back: an unchanged feed costs them a 304 and no download. (No
    # Last-Modified: nothing records when a post was taken back, so a date could say
    # "unchanged" wrongly; the ETag is of the bytes themselves.)
    response.add_etag()
    response.make_conditional(request)  # in place: a 304 with no body when they match
    return response


@bp.route("/blog-feeds/<token>.atom")
@limiter.limit(FEED_LIMIT, key_func=_feed_key)
# Guessing at addresses from one network is throttled too; a miss costs one lookup.
@limiter.limit(FEED_LIMIT, key_func=get_remote_address, deduct_when=_not_found)
def member_feed(token: str) -> ResponseReturnValue:
    found = feeds.member_feed(token)
    if found is None:
        return _plain_404("This feed address doesn't work. It may have been replaced or "
                          "turned off.")
    owner, community = found
    if not policy.can(owner, Action.READ, community):
        return _plain_404("This feed's owner is no longer a member of the community, so it "
                          "has no posts to show.")
    return _atom(community, feeds.member_posts(owner, community), audience="members",
                 title=f"{community.title} blog",
                 subtitle=f"Posts in the {community.title} blog",
                 self_url=_absolute_url(".member_feed", token=token),
                 # Personal: never kept by a shared cache.
                 cache="private, no-cache")


@bp.route("/communities/<slug>/blog/public.atom")
def public_feed(slug: str) -> ResponseReturnValue:
    # The same for everyone, signed in or not: asked as a visitor, so it is one shared feed.
    community = policy.community_for(AnonymousUserMixin(), slug)
    return _atom(community, feeds.public_posts(community), audience="public",
                 title=f"{community.title} blog",
                 subtitle=f"Public posts from the {community.title} blog",
                 self_url=_absolute_url(".public_feed", slug=slug),
                 # Shared caches may keep it, but ask each time (an unpublished post goes).
                 cache="public, no-cache")
