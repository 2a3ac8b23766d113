"""Every feature's models, imported so metadata and migrations see them all."""

from workspace.announcements.models import Announcement
from workspace.auth.models import Invitation, User
from workspace.blogs.models import (
    BlogComment,
    BlogFeed,
    BlogImage,
    BlogPost,
    BlogReaction,
    BlogRevision,
    BlogSettings,
    BlogSubscription,
    BlogTag,
)
from workspace.communities.models import Community, CommunityOrganization, Interest, Membership
from workspace.files.models import StoredFile
from workspace.forums.models import (
    CategorySubscription,
    ForumCategory,
    Post,
    PostRevision,
    Reaction,
    ReadMark,
    Topic,
    TopicSubscription,
)
from workspace.jobs.models import Job
from workspace.mail.models import OutboxMessage
from workspace.moderation.models import Flag, ModerationEvent
from workspace.notifications.digest_models import DigestRun
from workspace.notifications.models import Notification
from workspace.organizations.models import Organization
from workspace.resources.models import (
    Collection,
    CollectionItem,
    Resource,
    ResourceState,
    ResourceTag,
    ResourceVersion,
)
from workspace.sessions.action_models import ActionItem
from workspace.sessions.models import (
    Attendance,
    CalendarFeed,
    LiveSession,
    ReminderSent,
    Repeat,
    Rsvp,
)
from workspace.sessions.poll_models import Poll, PollOption, PollVote
from workspace.writing.models import Draft

__all__ = ["Announcement", "CategorySubscription", "Community", "CommunityOrganization", "Draft",
           "Flag", "ForumCategory", "Interest", "Invitation", "Membership", "ModerationEvent",
           "DigestRun", "Notification", "Organization", "OutboxMessage", "Post", "PostRevision",
           "Reaction",
           "ReadMark", "Topic", "TopicSubscription", "User", "Attendance", "CalendarFeed",
           "LiveSession", "Repeat", "ReminderSent", "Rsvp", "ActionItem", "Poll", "PollOption",
           "PollVote",
           "Job", "StoredFile", "Resource", "ResourceVersion", "ResourceTag", "ResourceState",
           "Collection", "CollectionItem", "BlogComment", "BlogFeed", "BlogImage", "BlogPost",
           "BlogReaction", "BlogRevision", "BlogSettings", "BlogSubscription", "BlogTag"]
