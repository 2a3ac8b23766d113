"""In-app notifications: what they are about, told to one person or many at once, and withdrawn.

Each notice records its kind, who did it, the community and the subject (a kind of content and
its id), so later features can choose by kind (email preferences, digests), group them, and take
them back when their subject disappears. Notices are written in the caller's unit of work and
announce themselves live once it commits (realtime.publish).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple
from typing import cast as typed_as

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    cast,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    update,
)

from workspace import errors, realtime
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs import queue as jobs
from workspace.notifications.models import Notification, NotificationKind

MESSAGE_MAX = 500
THREAD_TITLE_MAX = 200


class Subject(NamedTuple):
    """What a notification is about: a kind of content and its id, e.g. ("forum_post", 42)."""

    type: str
    id: int


class Thread(NamedTuple):
    """What the centre groups notices by: the topic, post or session a subject belongs to."""

    key: str  # "forum_topic:7"
    title: str


EMAIL_JOB = "notifications.email"


def notify(recipient: User, kind: NotificationKind, message: str, link: str = "", *,
           actor: User | None, community: Community | None,
           subject: Subject | None, thread: Thread | None = None,
           email: bool = True) -> Notification:
    """Tell one person something, in the caller's unit of work; it goes live after the commit,
    and by email as they chose (`email=False`: the caller sends its own)."""
    notification = Notification(
        user_id=recipient.id, kind=kind, message=message[:MESSAGE_MAX], link=link,
        actor_id=actor.id if actor is not None else None,
        community_id=community.id if community is not None else None,
        subject_type=subject.type if subject else None, subject_id=subject.id if subject else None,
        thread_key=thread.key if thread else None,
        thread_title=thread.title[:THREAD_TITLE_MAX] if thread else "")
    db.session.add(notification)
    db.session.flush()
    _announce(notification.id, recipient.id, notification.message, link)
    if email:
        _email_later([notification.id])
    return notification


def notify_many(recipients: Select, kind: NotificationKind, message: str,
                link: str = "", *, actor: User | None, community: Community | None,
                subject: Subject | None, thread: Thread | None = None,
                email: bool = True) -> list[int]:
    """Tell everyone a selection of user ids names, in one INSERT ... SELECT; the ids told."""
    # The caller's selection carries the rule of who may hear (e.g. the policy's readers of a
    # topic); accounts that are deactivated or were never set up are left out here.
    table = typed_as(Table, Notification.__table__)  # a mapped class's table: typed as FromClause
    text = message[:MESSAGE_MAX]
    values = {
        "kind": kind, "message": text, "link": link,
        "actor_id": actor.id if actor is not None else None,
        "community_id": community.id if community is not None else None,
        "subject_type": subject.type if subject else None,
        "subject_id": subject.id if subject else None,
        "thread_key": thread.key if thread else None,
        "thread_title": thread.title[:THREAD_TITLE_MAX] if thread else "",
        "created_at": utcnow(),
    }
    rows = select(User.id, *(literal(value, table.c[name].type).label(name)
                             for name, value in values.items())).where(
        User.id.in_(recipients), User.is_deactivated.is_(False), User.password_hash.is_not(None))
    created = db.session.execute(
        table.insert().from_select(["user_id", *values], rows)
        .returning(table.c.id, table.c.user_id)).all()
    for notification_id, user_id in created:
        _announce(notification_id, user_id, text, link)
    if email and created:
        _email_later([notification_id for notification_id, _ in created])
    return sorted(user_id for _, user_id in created)


def _email_later(notification_ids: list[int]) -> None:
    # A job decides after the commit who hears by email now (notifications.delivery): the
    # request never waits for preferences, rendering or a mail server.
    jobs.enqueue(EMAIL_JOB, {"ids": notification_ids})


# --- Whether a notice's subject is still there for its reader ------------------------------
# Each feature names, per kind of subject, the ids a person may see now (its policy's SQL form).
# The centre lists only notices whose subject passes; mail and digests ask again at send time.

VisibleIds = Callable[[User], Select]
_SUBJECT_TYPES: dict[str, VisibleIds] = {}


def register_subject(subject_type: str, visible_ids: VisibleIds) -> None:
    """`visible_ids(person)`: a selection of the ids of this kind of subject they may see now."""
    _SUBJECT_TYPES[subject_type] = visible_ids


def still_visible(user: User, notification: Notification) -> bool:
    """Whether the person may still see what the notice is about (unknown kinds: yes)."""
    visible_ids = _SUBJECT_TYPES.get(notification.subject_type or "")
    if visible_ids is None or notification.subject_id is None:
        return True
    return bool(db.session.scalar(select(literal(True)).where(
        literal(notification.subject_id).in_(visible_ids(user)))))


def visible_notices(user: User, subject_types: Iterable[str] | None = None
                    ) -> ColumnElement[bool]:
    """still_visible as one WHERE clause on notices: the centre's list and the unread count.

    `subject_types` limits the clause to notices about those kinds of subject (the others are
    left out): each kind's policy selection costs a little to build, and most people's unread
    notices are about one or two kinds."""
    known = sorted(_SUBJECT_TYPES)
    checked = known if subject_types is None else sorted(set(subject_types) & set(known))
    return or_(Notification.subject_type.is_(None), Notification.subject_id.is_(None),
               Notification.subject_type.not_in(known),
               *(and_(Notification.subject_type == subject_type,
                      Notification.subject_id.in_(_SUBJECT_TYPES[subject_type](user)))
                 for subject_type in checked))


def _announce(notification_id: int, user_id: int, message: str, link: str) -> None:
    realtime.publish("notification_added", {"id": notification_id, "message": message,
                                            "link": link},
                     to=realtime.user_room(user_id))


def withdraw(*subjects: Subject, kinds: frozenset[NotificationKind] | None = None) -> int:
    """Take back unread notifications about these subjects (of these kinds); how many went."""
    # In the caller's unit of work; open pages hear of it after the commit.
    if not subjects:
        return 0
    by_type: dict[str, set[int]] = defaultdict(set)
    for subject in subjects:
        by_type[subject.type].add(subject.id)
    about = [(Notification.subject_type == subject_type) & Notification.subject_id.in_(ids)
             for subject_type, ids in by_type.items()]
    stmt = delete(Notification).where(Notification.read_at.is_(None),
                                      or_(*about))
    if kinds is not None:
        stmt = stmt.where(Notification.kind.in_(kinds))
    gone = db.session.execute(stmt.returning(Notification.id, Notification.user_id)).all()
    withdrawn: dict[int, list[int]] = defaultdict(list)
    for notification_id, user_id in gone:
        withdrawn[user_id].append(notification_id)
    for user_id, ids in withdrawn.items():
        realtime.publish("notifications_withdrawn", {"ids": sorted(ids)},
                         to=realtime.user_room(user_id))
    return len(gone)


# The centre groups unread notices of one kind in one thread ("3 new replies in ..."); a notice
# without a thread stands alone, under a key of its own.
GROUP_KEY = func.coalesce(Notification.thread_key,
                          literal_column("'n'", String) + cast(Notification.id, String))


def unread_count(user: User, *where: ColumnElement[bool]) -> int:
    """How many notices the person has not read and may still see (of those `where` names)."""
    # Every page's header shows this count. A cheap indexed look first: with nothing unread
    # (most page loads) there is nothing to check against the policy; otherwise the check
    # covers only the kinds of subject the unread notices are about.
    unread = (Notification.user_id == user.id, Notification.read_at.is_(None), *where)
    subject_types = db.session.scalars(
        select(Notification.subject_type).where(*unread).distinct()).all()
    if not subject_types:
        return 0
    types = [subject_type for subject_type in subject_types if subject_type is not None]
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        *unread, visible_notices(user, types))) or 0

def open_notification(user: User, notification_id: int) -> Notification:
    """The person opens one of their notifications: it is read from now on, in every tab."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise errors.NotFound()  # someone else's notifications don't exist for them
    if notification.read_at is None:
        notification.read_at = utcnow()
        realtime.publish("notification_read", {"id": notification.id},
                         to=realtime.user_room(user.id))
        db.session.commit()
    return notification


def mark_read(user: User, *where: ColumnElement[bool]) -> int:
    """Mark the person's unread notices read (those `where` names: a filter, a group); every
    open tab's count goes down with them. How many were marked."""
    marked = db.session.scalars(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None),
               visible_notices(user), *where)
        .values(read_at=utcnow()).returning(Notification.id)
        .execution_options(synchronize_session=False)).all()
    if marked:
        realtime.publish("notifications_read", {"ids": sorted(marked)},
                         to=realtime.user_room(user.id))
    db.session.commit()
    return len(marked)


def mark_group_read(user: User, kind: NotificationKind, group_key: str) -> int:
    """Mark one of the centre's groups read: the unread notices of this kind in this thread."""
    return mark_read(user, Notification.kind == kind, GROUP_KEY == group_key)


def mark_all_read(user: User) -> int:
    """Mark every unread notification of this person as read."""
    return mark_read(user)
