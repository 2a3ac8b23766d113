"""The notification centre's page: a person's notices grouped by kind and thread, unread first,
filtered by community and by category, a page of groups costing the same few queries however
many notices there are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Subquery, func, select
from sqlalchemy.orm import raiseload

from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.extensions import db
from workspace.notifications.kinds import CATEGORIES, KINDS, group_phrase, kinds_in
from workspace.notifications.models import Category, Notification, NotificationKind
from workspace.notifications.service import GROUP_KEY, unread_count, visible_notices

GROUPS_PER_PAGE = 25
NAMES_SHOWN = 2  # "Ana, Ben and 3 others"


@dataclass(frozen=True)
class Filters:
    """What the person narrowed the centre to: one community, one category of notices."""

    community_id: int | None = None
    category: Category | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        # Anything unknown in the address means "all": a stale bookmark still shows the centre.
        community = args.get("community", "")
        category = args.get("kind", "")
        return cls(community_id=int(community) if community.isdigit() else None,
                   category=Category(category) if category in set(Category) else None)

    @property
    def active(self) -> bool:
        return self.community_id is not None or self.category is not None

    def where(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.community_id is not None:
            clauses.append(Notification.community_id == self.community_id)
        if self.category is not None:
            clauses.append(Notification.kind.in_(kinds_in(self.category)))
        return clauses

    def args(self) -> dict[str, Any]:
        """The filters as query arguments, for links that keep them (pagination, redirects)."""
        args: dict[str, Any] = {}
        if self.community_id is not None:
            args["community"] = self.community_id
        if self.category is not None:
            args["kind"] = self.category.value
        return args


@dataclass
class NoticeGroup:
    """One row of the centre: the notices of one kind in one thread, all unread or all read."""

    kind: NotificationKind
    key: str
    unread: bool
    count: int
    newest: Notification
    actors: list[str] = field(default_factory=list)  # newest first

    @property
    def headline(self) -> str:
        if self.count == 1 or not self.newest.thread_title:
            return self.newest.message
        return f"{group_phrase(self.kind, self.count)} in {_quoted(self.newest.thread_title)}"

    @property
    def who(self) -> str:
        """'Ana', 'Ana and Ben', 'Ana, Ben and 1 other': who did what the group tells of."""
        if self.count == 1 or not self.actors:
            return ""
        names, others = self.actors[:NAMES_SHOWN], len(self.actors) - NAMES_SHOWN
        if others <= 0:
            return " and ".join(names)
        return f"{', '.join(names)} and {others} other{'s' if others != 1 else ''}"


def _quoted(title: str) -> str:
    # Threads named after a place ("the Arizona P2P library") read without quotes.
    return title if title.startswith("the ") else f"“{title}”"


class GroupPagination(Pagination):
    """Pages of groups, counted and cut in SQL (Flask-SQLAlchemy's pagination, other queries)."""

    def _query_items(self) -> list[Any]:
        rows: Subquery = self._query_args["rows"]
        newest = func.max(rows.c.id)
        page = db.session.execute(
            select(rows.c.kind, rows.c.group_key, rows.c.unread, func.count().label("notices"),
                   newest.label("newest_id"))
            .group_by(rows.c.kind, rows.c.group_key, rows.c.unread)
            .order_by(rows.c.unread.desc(), newest.desc())
            .limit(self.per_page).offset(self._query_offset)).all()
        if not page:
            return []
        notices = {notice.id: notice for notice in db.session.scalars(
            select(Notification).where(Notification.id.in_([row.newest_id for row in page]))
            .options(raiseload("*")))}
        names: dict[tuple[str, str, bool], list[str]] = defaultdict(list)
        for kind, key, unread, name in db.session.execute(
                select(rows.c.kind, rows.c.group_key, rows.c.unread, User.name)
                .join(User, User.id == rows.c.actor_id)
                .where(rows.c.group_key.in_({row.group_key for row in page}))
                .group_by(rows.c.kind, rows.c.group_key, rows.c.unread, User.id, User.name)
                .order_by(func.max(rows.c.id).desc())):
            names[(kind, key, bool(unread))].append(name)
        return [NoticeGroup(kind=row.kind, key=row.group_key, unread=bool(row.unread),
                            count=row.notices, newest=notices[row.newest_id],
                            actors=names[(row.kind, row.group_key, bool(row.unread))])
                for row in page]

    def _query_count(self) -> int:
        rows: Subquery = self._query_args["rows"]
        groups = select(rows.c.kind, rows.c.group_key, rows.c.unread).distinct().subquery()
        return db.session.scalar(select(func.count()).select_from(groups)) or 0


@dataclass
class Centre:
    groups: GroupPagination
    filters: Filters
    unread: int  # unread among the filtered ones: "Mark these 12 as read"
    communities: list[tuple[int, str]]  # the filter's choices: where the person has notices
    categories: list[tuple[Category, str]]


def centre_page(user: User, filters: Filters, *, page: int) -> Centre:
    """A page of the person's notice groups as filtered, with the filter's choices."""
    visible = (Notification.user_id == user.id, visible_notices(user))
    rows = (select(Notification.id, Notification.kind, Notification.actor_id,
                   GROUP_KEY.label("group_key"), Notification.read_at.is_(None).label("unread"))
            .where(*visible, *filters.where()).subquery())
    groups = GroupPagination(page=page, per_page=GROUPS_PER_PAGE, error_out=False, rows=rows)
    communities = db.session.execute(
        select(Community.id, Community.title)
        .where(Community.id.in_(select(Notification.community_id).where(*visible)))
        .order_by(Community.title)).all()
    kinds = set(db.session.scalars(select(Notification.kind).where(*visible).distinct()))
    categories = [(category, info.label) for category, info in CATEGORIES.items()
                  if any(KINDS[kind].category is category for kind in kinds)]
    return Centre(groups=groups, filters=filters, unread=unread_count(user, *filters.where()),
                  communities=[(row.id, row.title) for row in communities],
                  categories=categories)
