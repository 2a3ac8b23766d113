"""The kinds of content moderation knows about, and the names of the actions it logs.

A feature whose content members may flag registers one SubjectKind (the forum's posts today;
chat messages, blog comments and library items later): how to find one, who may flag it, how
to hide it. Flags and log entries store the kind's name with a summary and link, so the queue
and the log show them without asking the feature again.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.policy import Person, Rule

T = TypeVar("T")


@dataclass(frozen=True)
class Subject:
    """A piece of content as moderation names it: what flags and log entries store about it."""

    kind: str  # a registered kind's name for flaggable content; any stable name for the log
    id: int
    community: Community
    summary: str  # one line a facilitator recognizes it by, e.g. "Jane Roe's post in “Title”"
    link: str = ""  # where to see it, a path inside the workspace
    excerpt: str = ""  # some of its text, as plain text
    notice: str = ""  # how a notification names it, e.g. "a post in “Title”"


class SubjectState(enum.StrEnum):
    VISIBLE = "visible"
    HIDDEN = "hidden"  # hidden by a moderator: its author and the moderators still see it
    GONE = "gone"  # deleted by its author, or no longer there


@dataclass(frozen=True)
class SubjectKind(Generic[T]):
    """How moderation deals with one kind of content: registered once by its feature."""

    name: str  # stored in flags.subject_kind, e.g. "forum_post"
    label: str  # a person's word for one, e.g. "post": "Hide post", "flagging this post"
    # The item as this person may see it in this community; errors.NotFound otherwise.
    find: Callable[[Person, Community, int], T]
    describe: Callable[[T], Subject]
    # The policy's rule (its refusal says why not), e.g. policy.forums.may_flag.
    may_flag: Rule[T]
    # The feature's own service: hides the item, resolves its open flags, logs, commits.
    hide: Callable[[User, T, str], None]
    # Each id's state now, in one query, for the open flags of a queue.
    states: Callable[[Sequence[int]], Mapping[int, SubjectState]]


# Moderation's own action; each feature registers the others it logs.
FLAG_DISMISSED = "flag_dismissed"

_kinds: dict[str, SubjectKind[Any]] = {}
_action_labels: dict[str, str] = {FLAG_DISMISSED: "Dismissed a flag"}


def register_kind(kind: SubjectKind[Any]) -> SubjectKind[Any]:
    """Make a kind of content flaggable; its name may be registered once."""
    known = _kinds.get(kind.name)
    if known is not None and known is not kind:
        raise ValueError(f"another kind of content is already registered as {kind.name!r}")
    _kinds[kind.name] = kind
    return kind


def unregister_kind(name: str) -> None:
    _kinds.pop(name, None)


def kind_named(name: str) -> SubjectKind[Any] | None:
    return _kinds.get(name)


def register_actions(labels: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
    """Name the actions a feature logs, e.g. {"post_hidden": "Hid a post"}."""
    _action_labels.update(dict(labels))


def action_label(action: str) -> str:
    """How the log names an action; one nobody registered (a removed feature's) still reads."""
    return _action_labels.get(action) or action.replace("_", " ").capitalize()
