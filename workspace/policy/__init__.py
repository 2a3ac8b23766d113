"""Who may see and do what. Every route, download, list and live event asks this package.

Here: the community rules (`Action`, a person's `Standing`, `can`, `authorize`, `community_for`)
and the machinery every feature's rules share (`Rule`, `rule`, `require`). Each feature's own
rules live in one module beside this one (`policy/forums.py`; sessions, libraries and blogs
later), take a `Standing`, and keep their SQL form next to their Python form whenever a list,
count, search, feed or digest has to ask the same question in a query. tests/core/
test_policy_sql.py proves each pair agrees, person by person and object by object.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import Any, Generic, TypeAlias, TypeVar, overload

from flask import g, has_app_context
from flask_login import AnonymousUserMixin
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    false,
    or_,
    select,
    true,
)

from workspace import errors
from workspace.auth.models import User
from workspace.communities.models import (
    Community,
    CommunityOrganization,
    CommunityRole,
    CommunityStatus,
    Membership,
    OrganizationRole,
)
from workspace.extensions import db
from workspace.organizations.models import Organization, OrganizationKind

Person: TypeAlias = User | AnonymousUserMixin


class Action(enum.StrEnum):
    VIEW = "view"  # the community's public page: purpose, timeframe, participants
    READ = "read"  # members-only content: directory, forums, library, sessions, blogs
    CONTRIBUTE = "contribute"  # post, reply, react, join a live room's discussion
    PUBLISH = "publish"  # blog posts and library items: thought leadership
    MODERATE = "moderate"  # pin, lock, hide; run live sessions
    MANAGE = "manage"  # edit the community, its people, its recruiting queue
    JOIN = "join"  # a person whose agency participates joins with one action
    EXPRESS_INTEREST = "express_interest"  # a state asks to take part while recruiting


ACTIONS_BY_ROLE: dict[CommunityRole, frozenset[Action]] = {
    CommunityRole.OBSERVER: frozenset({Action.VIEW, Action.READ}),
    CommunityRole.MEMBER: frozenset({Action.VIEW, Action.READ, Action.CONTRIBUTE}),
    CommunityRole.SME: frozenset({Action.VIEW, Action.READ, Action.CONTRIBUTE, Action.PUBLISH}),
    CommunityRole.FACILITATOR: frozenset({Action.VIEW, Action.READ, Action.CONTRIBUTE,
                                          Action.PUBLISH, Action.MODERATE, Action.MANAGE}),
}
def role_allows(role: CommunityRole, action: Action) -> bool:
    """What a role lets its holder do in a community (status and standing aside)."""
    return action in ACTIONS_BY_ROLE[role]


# What a person's own standing decides, even for staff: staff hold no agency seat.
SELF_SERVICE = frozenset({Action.JOIN, Action.EXPRESS_INTEREST})
# Closed communities keep their record readable but take no new work.
WRITES = frozenset({Action.CONTRIBUTE, Action.PUBLISH, Action.JOIN, Action.EXPRESS_INTEREST})


def is_staff(user: Person) -> bool:
    """Network staff with a working account: they may see and do everything but self-service."""
    return bool(user.is_authenticated and user.is_network_staff and not user.is_deactivated)


def is_active_account(user: Person) -> bool:
    # A deactivated account can't sign in; should anything still ask about it (a notice, a
    # list of recipients), it stands where a visitor stands.
    return bool(user.is_authenticated and not user.is_deactivated)


class Standing:
    """What one person may do in one community, worked out once per request.

    Every feature's rules take one (`standing.reads`, `standing.moderates`, ...), so they all
    ask the same question the same way. The two rows behind it (the person's membership and
    their agency's active participation) are read together on first need: staff, whose rights
    need neither, cost no query. Rights are read from the community and the account as they
    are now, so a change of status, staff role or deactivation within a request counts at once;
    a change of membership or participation calls forget_standings().
    """

    __slots__ = ("user", "community", "user_id", "_rows")

    def __init__(self, user: Person, community: Community) -> None:
        self.user = user
        self.community = community
        self.user_id: int | None = user.id if user.is_authenticated else None
        self._rows: tuple[Membership | None, CommunityOrganization | None] | None = None

    @classmethod
    def known(cls, user: Person, community: Community, membership: Membership | None,
              link: CommunityOrganization | None) -> Standing:
        """A standing from rows the caller read already, for many people at once (digests):
        their membership of the community and their agency's active participation in it
        (role participant, not withdrawn), or None for either. It costs no query."""
        standing = cls(user, community)
        standing._rows = (membership, link)
        return standing

    @property
    def is_staff(self) -> bool:
        return is_staff(self.user)

    def _load(self) -> tuple[Membership | None, CommunityOrganization | None]:
        if not is_active_account(self.user):
            return None, None
        if self._rows is None:
            user = self.user
            row = db.session.execute(_with_standing_rows(
                select(Membership, CommunityOrganization).select_from(Community), user.id,
                user.organization_id).where(Community.id == self.community.id)).first()
            self._rows = (row[0], row[1]) if row is not None else (None, None)
        return self._rows

    @property
    def membership(self) -> Membership | None:
        return self._load()[0]

    @property
    def agency_link(self) -> CommunityOrganization | None:
        """Their organization's active participation in the community, if any."""
        return self._load()[1]

    @property
    def role(self) -> CommunityRole | None:
        membership, link = self._load()
        if membership is None:
            return None
        if membership.role.needs_participating_organization and link is None:
            return None  # their agency withdrew (or never took part): no access, nothing deleted
        return membership.role

    @property
    def is_state_contact(self) -> bool:
        membership, link = self._load()
        return link is not None and membership is not None and link.contact_id == (
            membership.user_id)

    def role_allows(self, action: Action) -> bool:
        """Their own place in the community (not staff's reach) lets them do this now."""
        if action in SELF_SERVICE:
            raise ValueError(f"{action} is decided by may(), not by a role")
        if action in WRITES and self.community.status is CommunityStatus.ARCHIVED:
            return False
        role = self.role
        return role is not None and role_allows(role, action)

    def may(self, action: Action) -> bool:
        """The whole of can(): staff's reach, the role, the community's status and visibility."""
        community = self.community
        if action in WRITES and community.status is CommunityStatus.ARCHIVED:
            return False
        if action in SELF_SERVICE:
            return self._may_self_serve(action)
        if self.is_staff:
            return True
        role = self.role
        if role is None:
            return action is Action.VIEW and community.is_public
        return role_allows(role, action)

    def _may_self_serve(self, action: Action) -> bool:
        if self.user_id is None or not is_active_account(self.user):
            return False
        community = self.community
        if action is Action.JOIN:
            return self.role is None and self.agency_link is not None and community.is_public
        # EXPRESS_INTEREST: a state agency's person, for a recruiting community it is not in yet.
        return (community.status is CommunityStatus.RECRUITING and community.is_public
                and self.user.organization.kind is OrganizationKind.SEA
                and self.agency_link is None)

    @property
    def views(self) -> bool:
        return self.may(Action.VIEW)

    @property
    def reads(self) -> bool:
        return self.may(Action.READ)

    @property
    def contributes(self) -> bool:
        return self.may(Action.CONTRIBUTE)

    @property
    def publishes(self) -> bool:
        return self.may(Action.PUBLISH)

    @property
    def moderates(self) -> bool:
        return self.may(Action.MODERATE)

    @property
    def manages(self) -> bool:
        return self.may(Action.MANAGE)

    def settled(self) -> SettledStanding:
        """This standing with each answer kept once given: for drawing one page, which asks
        the same questions for each of its 25 posts and where nothing changes in between."""
        return SettledStanding.of(self)


class SettledStanding(Standing):
    """A standing that keeps its answers (Standing.settled): never for a whole request, whose
    own changes (a role given, a status changed) must count at once."""

    __slots__ = ("_answers",)
    _answers: dict[Action, bool]

    @classmethod
    def of(cls, standing: Standing) -> SettledStanding:
        settled = cls(standing.user, standing.community)
        settled._rows = standing._load()
        settled._answers = {}
        return settled

    def may(self, action: Action) -> bool:
        answer = self._answers.get(action)
        if answer is None:
            answer = self._answers[action] = super().may(action)
        return answer


def _with_standing_rows(stmt: Select, user_id: Any, organization_id: Any) -> Select:
    """The statement (which selects from communities) outer-joined to the two rows a standing
    is made of (the person's ids, or bound parameters); each join finds at most one (unique
    constraints)."""
    return (stmt.outerjoin(Membership, and_(Membership.community_id == Community.id,
                                            Membership.user_id == user_id))
            .outerjoin(CommunityOrganization, and_(
                CommunityOrganization.community_id == Community.id,
                CommunityOrganization.organization_id == organization_id,
                CommunityOrganization.role == OrganizationRole.PARTICIPANT,
                CommunityOrganization.withdrawn_at.is_(None))))


@functools.cache
def _community_and_standing() -> Select:
    # Every community page runs it: built once (building costs more than running it).
    return _with_standing_rows(
        select(Community, Membership, CommunityOrganization),
        bindparam("user_id", type_=Integer), bindparam("organization_id", type_=Integer),
    ).where(Community.slug == bindparam("slug", type_=String))


def _standings() -> dict[tuple[int, int], Standing]:
    return g.setdefault("_standings", {}) if has_app_context() else {}


def standing_in(user: Person, community: Community) -> Standing:
    """The person's standing in the community, from this request's cache when it has one."""
    if not user.is_authenticated:
        return Standing(user, community)  # a visitor's costs no query
    cache = _standings()
    key = (user.id, community.id)
    standing = cache.get(key)
    if standing is None:
        standing = cache[key] = Standing(user, community)
    return standing


def forget_standings() -> None:
    """Drop cached standings after a change to memberships or participation."""
    if has_app_context():
        g.pop("_standings", None)


def role_in(user: Person, community: Community) -> CommunityRole | None:
    """The role their membership gives them now (None: none, or their agency withdrew)."""
    return standing_in(user, community).role


def can(user: Person, action: Action, community: Community) -> bool:
    """Whether the person may do this in the community. SQL form: can_clause()."""
    return standing_in(user, community).may(action)


def authorize(user: Person, action: Action, community: Community) -> None:
    """Raise unless the person may do this; outsiders learn nothing about private content."""
    standing = standing_in(user, community)
    if standing.may(action):
        return
    if action not in SELF_SERVICE and not standing.reads:
        raise errors.NotFound()  # members-only: the page might as well not exist
    raise errors.Forbidden()


def community_for(user: Person, slug: str, action: Action = Action.VIEW) -> Community:
    """The community, or NotFound: outsiders can't tell private from missing."""
    if user.is_authenticated and is_active_account(user):
        # The community and the person's standing in it in one query: every page of a
        # community starts here.
        row = db.session.execute(_community_and_standing(), {
            "user_id": user.id, "organization_id": user.organization_id, "slug": slug}).first()
        community = row[0] if row is not None else None
        if row is not None:
            _standings()[(user.id, row[0].id)] = Standing.known(user, row[0], row[1], row[2])
    else:
        community = db.session.scalar(select(Community).where(Community.slug == slug))
    if community is None or not can(user, Action.VIEW, community):
        raise errors.NotFound()
    authorize(user, action, community)
    return community


# --- The same rules in SQL -------------------------------------------------------------------
# For lists, counts, search, feeds and digests: a query asks what can() answers one by one.

def _roles_allowing(action: Action) -> list[CommunityRole]:
    return [role for role, actions in ACTIONS_BY_ROLE.items() if action in actions]


def participating_agencies(community_id: int) -> Select:
    """Ids of the organizations taking part in the community now, as a subquery."""
    return select(CommunityOrganization.organization_id).where(
        CommunityOrganization.community_id == community_id,
        CommunityOrganization.role == OrganizationRole.PARTICIPANT,
        CommunityOrganization.withdrawn_at.is_(None))


def _needing_agency() -> list[CommunityRole]:
    return [role for role in CommunityRole if role.needs_participating_organization]


def can_clause(user: Person, action: Action) -> ColumnElement[bool]:
    """can(user, action, community) as a WHERE clause on communities (not for self-service)."""
    if action in SELF_SERVICE:
        raise ValueError(f"{action} has no SQL form: it depends on the person's agency")
    open_for_it = (Community.status != CommunityStatus.ARCHIVED if action in WRITES
                   else true())
    if is_staff(user):
        return open_for_it
    if is_active_account(user):
        participating = select(CommunityOrganization.community_id).where(
            CommunityOrganization.organization_id == user.organization_id,
            CommunityOrganization.role == OrganizationRole.PARTICIPANT,
            CommunityOrganization.withdrawn_at.is_(None))
        seats = select(Membership.community_id).where(
            Membership.user_id == user.id, Membership.role.in_(_roles_allowing(action)),
            or_(Membership.role.not_in(_needing_agency()),
                Membership.community_id.in_(participating)))
        by_role: ColumnElement[bool] = Community.id.in_(seats)
    else:
        by_role = false()
    if action is Action.VIEW:
        return or_(Community.is_public.is_(True), by_role)
    return and_(open_for_it, by_role)


def open_to_state_clause(state_code: str) -> ColumnElement[bool]:
    """Communities the state's education agency could ask to join, as a WHERE clause."""
    # Python form: standing_in(person, community).may(EXPRESS_INTEREST) for its active people.
    agency = select(Organization.id).where(Organization.kind == OrganizationKind.SEA,
                                           Organization.state_code == state_code)
    taking_part = select(CommunityOrganization.community_id).where(
        CommunityOrganization.organization_id.in_(agency),
        CommunityOrganization.role == OrganizationRole.PARTICIPANT,
        CommunityOrganization.withdrawn_at.is_(None))
    # A code no agency has (typed into the address) is open to nothing.
    return and_(agency.exists(), Community.status == CommunityStatus.RECRUITING,
                Community.is_public.is_(True), Community.id.not_in(taking_part))


def community_ids(user: Person, action: Action) -> Select:
    """Ids of the communities where the person may do this, as a subquery."""
    return select(Community.id).where(can_clause(user, action))


def readable_community_ids(user: Person) -> Select:
    """Ids of the communities whose members-only content this person may read, as a subquery."""
    return community_ids(user, Action.READ)


def people_who_may(community: Community, action: Action) -> Select:
    """Ids of the community's own people whose role lets them do this now, as a subquery.

    Python form: standing_in(person, community).role_allows(action). Network staff reach
    everything but are not the community's people, so they are not counted; people whose agency
    withdrew and deactivated accounts are left out.
    """
    if action in SELF_SERVICE:
        raise ValueError(f"{action} is decided by may(), not by a role")
    if action in WRITES and community.status is CommunityStatus.ARCHIVED:
        return select(User.id).where(false())
    return (select(Membership.user_id).join(User, User.id == Membership.user_id)
            .where(Membership.community_id == community.id,
                   Membership.role.in_(_roles_allowing(action)),
                   User.is_deactivated.is_(False),
                   or_(Membership.role.not_in(_needing_agency()),
                       User.organization_id.in_(participating_agencies(community.id)))))


def reader_ids(community: Community) -> Select:
    """Ids of the community's people who may read it now (withdrawn agencies' people excluded)."""
    return people_who_may(community, Action.READ)


def staff_ids() -> Select:
    """Ids of the network staff with working accounts: is_staff() in SQL."""
    return select(User.id).where(User.is_network_staff.is_(True),
                                 User.is_deactivated.is_(False))


# --- Rules about one object, with what a refused person is told ------------------------------

Subject = TypeVar("Subject")  # what a rule is about: a topic, a post, a category ...
Check = Callable[[Person, Subject, Standing | None], bool]


class Rule(Generic[Subject]):
    """A yes-or-no rule about one object, and what a person it refuses is told.

    Call it like the function it wraps (`may_reply(user, topic, standing)`); `require` raises
    its refusal. Features write their rules with the `rule` decorator, beside their messages.
    """

    def __init__(self, check: Check[Subject], refusal: Callable[[Subject], str | None],
                 error: type[errors.WorkspaceError]) -> None:
        self.check = check
        self.refusal = refusal
        self.error = error
        functools.update_wrapper(self, check)

    def __call__(self, user: Person, subject: Subject, standing: Standing | None = None) -> bool:
        return self.check(user, subject, standing)


# A fixed message (or none) leaves the subject to the check being decorated: the decorator
# returned is generic. A message made from the subject fixes the subject's type.
@overload
def rule(refusal: str | None = None, *, error: type[errors.WorkspaceError] = errors.Forbidden,
         ) -> Callable[[Check[Subject]], Rule[Subject]]: ...
@overload
def rule(refusal: Callable[[Subject], str | None], *,
         error: type[errors.WorkspaceError] = errors.Forbidden,
         ) -> Callable[[Check[Subject]], Rule[Subject]]: ...
def rule(refusal: str | Callable[[Subject], str | None] | None = None, *,
         error: type[errors.WorkspaceError] = errors.Forbidden,
         ) -> Callable[[Check[Subject]], Rule[Subject]]:
    """Make a rule of a check: the message (or a function of the object giving it) and the
    error a refused person gets (Forbidden; NotFound where even the refusal would tell too
    much). No message: the error's own."""

    def explain(subject: Subject) -> str | None:
        return refusal(subject) if callable(refusal) else refusal

    def make(check: Check[Subject]) -> Rule[Subject]:
        return Rule(check, explain, error)

    return make


def require(user: Person, rule: Rule[Subject], subject: Subject,
            standing: Standing | None = None) -> None:
    """Raise the rule's error with its message unless the person may: the one way to refuse."""
    if not rule(user, subject, standing):
        raise rule.error(rule.refusal(subject))


def standing_for(user: Person, community: Community, standing: Standing | None) -> Standing:
    """The standing a rule was handed, or the person's (cached) one in the community."""
    return standing if standing is not None else standing_in(user, community)


# --- People and invitations ------------------------------------------------------------------

def may_add_member(actor: Person, community: Community, person: User) -> bool:
    """Facilitators and staff add anyone; a state's contact adds colleagues from their agency."""
    standing = standing_in(actor, community)
    if standing.manages:
        return True
    return (standing.is_state_contact and standing.role is not None
            and person.organization_id == actor.organization_id)


def require_staff(user: Person) -> None:
    """Network staff screens: everyone else is told plainly they may not."""
    if not is_staff(user):
        raise errors.Forbidden("Only network staff can open this page.")


def may_invite(user: Person, community: Community | None) -> bool:
    """Staff invite anyone; a community's managers invite people into it."""
    if is_staff(user):
        return True
    return community is not None and can(user, Action.MANAGE, community)
