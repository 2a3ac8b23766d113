"""Who may see and do what in a community's forum: each rule in Python, its SQL form beside it.

Callers pass topics and posts whose category and community (and a post's topic) are loaded.
A page works out the viewer's Standing once and hands it to every rule it asks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from workspace import errors
from workspace.auth.models import User
from workspace.forums.models import ForumCategory, Post, Topic
from workspace.policy import (
    Action,
    Person,
    Standing,
    community_ids,
    people_who_may,
    rule,
    staff_ids,
    standing_for,
)


def _person_id(standing: Standing) -> int:
    return standing.user_id if standing.user_id is not None else -1  # never an author's id


# --- What every reader sees ----------------------------------------------------------------
# Counts everyone shares (reply counts, unread numbers, search matches) use only these.

VISIBLE_TO_ALL_TOPICS = (Topic.is_hidden.is_(False), Topic.deleted_at.is_(None))


def topic_visible_to_all(topic: Topic) -> bool:
    """Neither hidden nor deleted: every reader of the community sees it. SQL form above."""
    return not topic.is_hidden and topic.deleted_at is None


VISIBLE_TO_ALL_POSTS = (Post.hidden_at.is_(None), Post.deleted_at.is_(None))


def post_visible_to_all(post: Post) -> bool:
    """Neither hidden nor deleted: every reader of its topic sees it. SQL form above."""
    return post.hidden_at is None and post.deleted_at is None


# --- Topics ----------------------------------------------------------------------------------

@rule(error=errors.NotFound)
def may_see_topic(user: Person, topic: Topic, standing: Standing | None = None) -> bool:
    """Readers see a topic; hidden: its author and the moderators only; deleted: no one.

    SQL forms: topic_visibility() in one community, visible_topics() in any, and
    topic_viewer_ids() for the people who may see one topic.
    """
    standing = standing_for(user, topic.community, standing)
    if not standing.reads or topic.deleted_at is not None:
        return False
    return not topic.is_hidden or standing.user_id == topic.author_id or standing.moderates


def topic_visibility(standing: Standing) -> list[ColumnElement[bool]]:
    """may_see_topic as WHERE clauses, for a query already narrowed to the standing's
    community (a category's topics, a search): a page adds them to its own conditions."""
    if not standing.reads:
        return [false()]
    clauses: list[ColumnElement[bool]] = [Topic.deleted_at.is_(None)]
    if not standing.moderates:
        clauses.append(or_(Topic.is_hidden.is_(False), Topic.author_id == _person_id(standing)))
    return clauses


def visible_topics(user: Person) -> ColumnElement[bool]:
    """may_see_topic as one WHERE clause on topics of every community: "My activity", feeds,
    digests. Moderators see hidden topics in the communities they moderate, nowhere else."""
    person_id = user.id if user.is_authenticated else -1
    return and_(Topic.deleted_at.is_(None),
                Topic.community_id.in_(community_ids(user, Action.READ)),
                or_(Topic.is_hidden.is_(False), Topic.author_id == person_id,
                    Topic.community_id.in_(community_ids(user, Action.MODERATE))))


def topic_viewer_ids(topic: Topic) -> Select:
    """Ids of everyone who may see this topic (may_see_topic, person by person), as a
    subquery: whom a notice about it may reach."""
    if topic.deleted_at is not None:
        return select(User.id).where(false())
    community = topic.community
    readers = or_(User.id.in_(people_who_may(community, Action.READ)), User.id.in_(staff_ids()))
    stmt = select(User.id).where(readers)
    if topic.is_hidden:
        stmt = stmt.where(or_(User.id == topic.author_id,
                              User.id.in_(people_who_may(community, Action.MODERATE)),
                              User.id.in_(staff_ids())))
    return stmt


# --- Posts -----------------------------------------------------------------------------------

@rule(error=errors.NotFound)
def may_see_post(user: Person, post: Post, standing: Standing | None = None) -> bool:
    """A hidden post is seen by its author (with the reason) and the moderators, no one else.

    SQL form: post_visibility(), with topic_visibility() for the topics.
    """
    standing = standing_for(user, post.topic.community, standing)
    if post.deleted_at is not None or not may_see_topic(user, post.topic, standing):
        return False
    return post.hidden_at is None or standing.user_id == post.author_id or standing.moderates


def post_visibility(standing: Standing, person: Any = None) -> list[ColumnElement[bool]]:
    """may_see_post as WHERE clauses on posts of topics the viewer may see (one community:
    add topic_visibility() when the query is not already about one such topic).

    `person`: the viewer's id as a bound parameter, for a statement built once and run for
    many viewers; the clauses then depend on the standing only through `reads` and
    `moderates`, which such a statement is kept by (forums.pages)."""
    if not standing.reads:
        return [false()]
    clauses: list[ColumnElement[bool]] = [Post.deleted_at.is_(None)]
    if not standing.moderates:
        author = _person_id(standing) if person is None else person
        clauses.append(or_(Post.hidden_at.is_(None), Post.author_id == author))
    return clauses


# --- Writing -----------------------------------------------------------------------------------
# Each rule carries what a person it refuses reads, so routes and services raise it with
# policy.require(user, rule, object) and never spell the message themselves.

@rule("This category is archived: start your topic in another one.")
def may_start_topic(user: Person, category: ForumCategory,
                    standing: Standing | None = None) -> bool:
    """Contributors start topics in the categories that are not archived."""
    standing = standing_for(user, category.community, standing)
    return not category.is_archived and standing.contributes


def _why_no_reply(topic: Topic) -> str:
    if topic.is_locked:
        return "This topic is locked: a facilitator closed it to new replies."
    return "This topic takes no new replies."


@rule(_why_no_reply)
def may_reply(user: Person, topic: Topic, standing: Standing | None = None) -> bool:
    """Members reply to open topics; moderators may still reply to a locked or hidden one."""
    standing = standing_for(user, topic.community, standing)
    if not standing.contributes or not may_see_topic(user, topic, standing):
        return False
    if topic.is_locked or topic.is_hidden or topic.category.is_archived:
        return standing.moderates
    return True


@rule("You can edit only your own posts, while the topic is open.")
def may_edit_post(user: Person, post: Post, standing: Standing | None = None) -> bool:
    """People edit their own posts while they may still contribute and the topic is open."""
    standing = standing_for(user, post.topic.community, standing)
    topic = post.topic
    if standing.user_id is None or standing.user_id != post.author_id or post.deleted_at:
        return False
    if not standing.contributes or not may_see_topic(user, topic, standing):
        return False
    return not topic.is_locked or standing.moderates


@rule("You can delete only your own posts; a topic others have replied to stays, but you can "
      "still edit it.")
def may_delete_post(user: Person, post: Post, standing: Standing | None = None) -> bool:
    """Authors delete their own posts; a topic's opening post only while no one has replied."""
    if not may_edit_post(user, post, standing):
        return False
    return not post.is_opening or post.topic.reply_count == 0


@rule("Only the person who asked, or a facilitator, marks the answer.")
def may_mark_answer(user: Person, topic: Topic, standing: Standing | None = None) -> bool:
    """The topic's author, or a moderator, says which reply answered the question."""
    standing = standing_for(user, topic.community, standing)
    if not may_see_topic(user, topic, standing):
        return False
    if standing.moderates:
        return True
    return standing.user_id == topic.author_id and standing.contributes


@rule("You can react to other people's posts in communities where you take part.")
def may_react(user: Person, post: Post, standing: Standing | None = None) -> bool:
    """Contributors react to other people's visible posts."""
    standing = standing_for(user, post.topic.community, standing)
    return (post_visible_to_all(post) and standing.contributes
            and standing.user_id != post.author_id
            and may_see_topic(user, post.topic, standing))


@rule("You can flag other people's posts in communities where you take part.")
def may_flag(user: Person, post: Post, standing: Standing | None = None) -> bool:
    """Contributors flag other people's visible posts for the facilitators."""
    return may_react(user, post, standing)
