"""Room names: who hears what. A community's rooms all start with its name, so they can be left."""

from __future__ import annotations

NAMESPACE = "/live"


def user_room(user_id: int) -> str:
    """Every open page of one person: their notifications, and the handle to evict them."""
    return f"user:{user_id}"


def community_room(community_id: int) -> str:
    return f"community:{community_id}"


def community_scoped(community_id: int, *parts: str | int) -> str:
    """A room inside a community (its forum, a topic, a live session): `community:7:topic:42`.

    Every room that carries a community's content is named through here, so that someone who
    loses access to the community can be taken out of all of them by name (see eviction.py).
    """
    return ":".join([community_room(community_id), *(str(part) for part in parts)])


def is_in_community(room: str, community_id: int) -> bool:
    return is_within(room, community_room(community_id))


def is_within(room: str, outer: str) -> bool:
    """The room is `outer` itself or one named inside it (`outer:...`)."""
    return room == outer or room.startswith(outer + ":")


def forum_room(community_id: int) -> str:
    """People looking at a community's forum pages: told when a topic starts."""
    return community_scoped(community_id, "forum")


def topic_room(community_id: int, topic_id: int) -> str:
    """People reading one topic: told when a post is added or changes."""
    return community_scoped(community_id, "topic", topic_id)


def session_page_room(community_id: int, session_id: int) -> str:
    """People looking at one session's page: told when it is moved, cancelled or answered."""
    return community_scoped(community_id, "session", session_id, "page")
