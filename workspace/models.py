"""Every feature's models, imported so metadata and migrations see them all."""

from workspace.announcements.models import Announcement
from workspace.auth.models import Invitation, User
from workspace.communities.models import Community, CommunityOrganization, Interest, Membership
from workspace.mail.models import OutboxMessage
from workspace.notifications.models import Notification
from workspace.organizations.models import Organization

__all__ = ["Announcement", "Community", "CommunityOrganization", "Interest", "Invitation",
           "Membership", "Notification", "Organization", "OutboxMessage", "User"]
