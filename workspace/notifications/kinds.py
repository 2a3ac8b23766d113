"""What each kind of notice is called, which email category it belongs to, and how it groups.

The notification centre reads the phrases ("3 new replies in …"), the email settings page reads
the categories (what a person chooses a cadence for), and mail and digests read both. A kind
added to NotificationKind must be described here: tests/notifications/test_kinds.py checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from workspace.notifications.models import Cadence, Category, NotificationKind

EVERY_CADENCE = (Cadence.IMMEDIATELY, Cadence.DAILY, Cadence.WEEKLY, Cadence.OFF)


@dataclass(frozen=True)
class CategoryInfo:
    label: str  # what the settings page calls it
    hint: str  # one line under the label: what it covers
    default: Cadence  # for people who chose nothing, where their community set nothing
    cadences: tuple[Cadence, ...] = EVERY_CADENCE  # what may be chosen


CATEGORIES: dict[Category, CategoryInfo] = {
    Category.MENTIONS: CategoryInfo(
        "Mentions of you", "Someone mentions you in a post, comment, session or resource.",
        Cadence.IMMEDIATELY),
    Category.DISCUSSIONS: CategoryInfo(
        "Discussions", "Replies in topics you follow, new topics, answers marked; the busiest "
        "topics in digests.", Cadence.DAILY),
    Category.BLOGS: CategoryInfo(
        "Blog posts and comments", "New posts in blogs you subscribe to, comments on yours; "
        "new posts in digests.", Cadence.DAILY),
    Category.RESOURCES: CategoryInfo(
        "Library resources", "Resources added to your communities' libraries or shared with "
        "your state.", Cadence.DAILY),
    Category.SESSIONS: CategoryInfo(
        "Sessions", "Sessions scheduled, moved or cancelled; the coming week's sessions in "
        "digests.", Cadence.IMMEDIATELY),
    Category.REMINDERS: CategoryInfo(
        "Session reminders", "A reminder before each session you're coming to.",
        Cadence.IMMEDIATELY, (Cadence.IMMEDIATELY, Cadence.OFF)),
    Category.ACTION_ITEMS: CategoryInfo(
        "Action items", "Action items given to you or your state; what is due in digests.",
        Cadence.IMMEDIATELY),
    Category.MEMBERSHIP: CategoryInfo(
        "Your communities", "Being added to a community, states' interest and recruiting "
        "decisions.", Cadence.IMMEDIATELY),
    Category.MODERATION: CategoryInfo(
        "Moderation", "Your posts hidden or shown again; for facilitators, flagged posts.",
        Cadence.IMMEDIATELY),
}

# Facilitators set their community's defaults for these (the rest are about a person alone).
COMMUNITY_CATEGORIES = (Category.DISCUSSIONS, Category.BLOGS, Category.RESOURCES,
                        Category.SESSIONS)


@dataclass(frozen=True)
class KindInfo:
    category: Category
    label: str  # a filter's name for the kind
    one: str  # "new reply": how a group of one reads
    many: str  # "new replies": and of several ("3 new replies in …")


KINDS: dict[NotificationKind, KindInfo] = {
    NotificationKind.MENTION: KindInfo(Category.MENTIONS, "Mentions", "mention", "mentions"),
    NotificationKind.REPLY: KindInfo(Category.DISCUSSIONS, "Replies", "new reply",
                                     "new replies"),
    NotificationKind.TOPIC_STARTED: KindInfo(Category.DISCUSSIONS, "New topics", "new topic",
                                             "new topics"),
    NotificationKind.ANSWER_MARKED: KindInfo(Category.DISCUSSIONS, "Answers", "answer marked",
                                             "answers marked"),
    NotificationKind.POST_HIDDEN: KindInfo(Category.MODERATION, "Hidden posts", "post hidden",
                                           "posts hidden"),
    NotificationKind.POST_RESTORED: KindInfo(Category.MODERATION, "Restored posts",
                                             "post shown again", "posts shown again"),
    NotificationKind.FLAG_RAISED: KindInfo(Category.MODERATION, "Flags", "new flag",
                                           "new flags"),
    NotificationKind.ADDED_TO_COMMUNITY: KindInfo(Category.MEMBERSHIP, "Added to a community",
                                                  "community joined", "communities joined"),
    NotificationKind.INTEREST_RECEIVED: KindInfo(Category.MEMBERSHIP, "States' interest",
                                                 "state's interest", "states' interest"),
    NotificationKind.INTEREST_DECIDED: KindInfo(Category.MEMBERSHIP, "Recruiting decisions",
                                                "recruiting decision", "recruiting decisions"),
    NotificationKind.SESSION_SCHEDULED: KindInfo(Category.SESSIONS, "Sessions scheduled",
                                                 "session scheduled", "sessions scheduled"),
    NotificationKind.SESSION_CHANGED: KindInfo(Category.SESSIONS, "Sessions moved",
                                               "session moved", "sessions moved"),
    NotificationKind.SESSION_CANCELLED: KindInfo(Category.SESSIONS, "Sessions cancelled",
                                                 "session cancelled", "sessions cancelled"),
    NotificationKind.SESSION_STARTING: KindInfo(Category.REMINDERS, "Session reminders",
                                                "session starting soon",
                                                "sessions starting soon"),
    NotificationKind.ACTION_ITEM: KindInfo(Category.ACTION_ITEMS, "Action items",
                                           "action item", "action items"),
    NotificationKind.RESOURCE_ADDED: KindInfo(Category.RESOURCES, "Resources", "new resource",
                                              "new resources"),
    NotificationKind.BLOG_POST: KindInfo(Category.BLOGS, "Blog posts", "new blog post",
                                         "new blog posts"),
    NotificationKind.BLOG_COMMENT: KindInfo(Category.BLOGS, "Blog comments", "new comment",
                                            "new comments"),
    NotificationKind.GENERAL: KindInfo(Category.MEMBERSHIP, "Other", "notice", "notices"),
}


def category_of(kind: NotificationKind) -> Category:
    return KINDS[kind].category


def kinds_in(category: Category) -> frozenset[NotificationKind]:
    return frozenset(kind for kind, info in KINDS.items() if info.category is category)


def group_phrase(kind: NotificationKind, count: int) -> str:
    """'new reply' or '3 new replies': how a group of notices of one kind is counted."""
    info = KINDS[kind]
    return f"{count} {info.many}" if count != 1 else f"1 {info.one}"
