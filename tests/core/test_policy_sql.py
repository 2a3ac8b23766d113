"""Each rule the policy also writes in SQL gives the same answers both ways.

For every person and every object of the authorization matrix's world (grown here with the
edges: a member whose agency withdrew, deactivated accounts, an archived community, hidden and
deleted topics and posts, library resources of every audience and state, blog posts of every
kind), "the Python rule says yes" equals "the id is in the SQL query".
A list, count, search, feed or digest built on the SQL forms shows exactly what the pages open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import Select, select

from tests import factories
from tests.core.test_authorization_matrix import build_world
from workspace import policy
from workspace.auth.models import User
from workspace.blogs.models import BlogPost, PostState
from workspace.communities import service as communities
from workspace.communities.models import Community, CommunityStatus
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums import moderation, service
from workspace.forums.models import Post, Topic
from workspace.organizations.models import OrganizationKind
from workspace.policy import Action
from workspace.policy import blogs as blog_policy
from workspace.policy import forums as forum_policy
from workspace.policy import resources as resource_policy
from workspace.policy import sessions as session_policy
from workspace.resources.models import Audience, Resource, ResourceType
from workspace.sessions.models import LiveSession

ROLE_ACTIONS = [Action.VIEW, Action.READ, Action.CONTRIBUTE, Action.PUBLISH, Action.MODERATE,
                Action.MANAGE]


@dataclass
class Everyone:
    people: dict[str, policy.Person]
    communities: dict[str, Community]
    topics: list[Topic]
    posts: list[Post]


def _first_category(community: Community):  # noqa: ANN202 - a ForumCategory
    return service.add_default_categories(community)[0]


@pytest.fixture
def everyone(request: pytest.FixtureRequest) -> Everyone:
    """The matrix's world, with the people and objects where a list could go wrong."""
    world = build_world(request)
    network = world.network
    staff, member, facilitator = (world.people[role] for role in ("staff", "member",
                                                                   "facilitator"))
    georgian = request.getfixturevalue("other_member")
    community, private, other_state, recruiting = (
        world.communities[name] for name in ("community", "private", "other_state",
                                             "recruiting"))
    oregonian = db.session.scalar(select(User).where(User.email == "or.member@example.org"))
    gone = factories.make_user(network.seas["AZ"], "az.gone@example.org")
    gone_staff = factories.make_user(network.partner, "gone.staff@example.org",
                                     is_network_staff=True)
    factories.add_to(community, gone, "member")
    factories.add_to(private, gone, "sme")
    factories.add_to(private, georgian, "member")
    archived = factories.make_community(network, participants=["AZ"], slug="archived-cop",
                                        kind="cop")
    factories.add_to(archived, member, "member")
    factories.add_to(archived, facilitator, "facilitator")

    general = db.session.get(Topic, world.forum["topic"]).category
    hidden_topic = service.start_topic(georgian, general, title="Hidden", body="A name")
    service.reply(facilitator, hidden_topic, body="Moderators may still reply")
    moderation.hide_post(facilitator, _opening(hidden_topic), reason="Names a student")
    deleted_topic = service.start_topic(member, general, title="Oops", body="Wrong place")
    service.delete_post(member, _opening(deleted_topic))
    matrix_topic = db.session.get(Topic, world.forum["topic"])
    service.delete_post(georgian, service.reply(georgian, matrix_topic, body="Never mind"))
    service.start_topic(gone, general, title="Before I left", body="Hello")
    in_private = service.start_topic(member, _first_category(private), title="Private", body="x")
    service.reply(georgian, in_private, body="Georgia here")
    hidden_in_private = service.start_topic(georgian, in_private.category, title="Georgia's",
                                            body="y")
    moderation.hide_post(facilitator, _opening(hidden_in_private), reason="Off topic")
    closed = service.start_topic(member, _first_category(archived), title="Last one", body="z")
    moderation.hide_post(facilitator, service.reply(member, closed, body="Hide me"),
                         reason="Off topic")
    service.start_topic(oregonian, _first_category(other_state), title="Oregon", body="Hi")
    service.start_topic(facilitator, _first_category(recruiting), title="Welcome", body="Hi")

    # Then the changes that leave rows behind: an agency withdraws, accounts are deactivated,
    # a community is archived.
    communities.withdraw_organization(staff, private, georgian.organization)
    gone.is_deactivated = gone_staff.is_deactivated = True
    archived.status = CommunityStatus.ARCHIVED
    db.session.commit()
    policy.forget_standings()
    people: dict[str, policy.Person] = {
        role: person if person is not None else AnonymousUserMixin()
        for role, person in world.people.items()}
    people.update({"georgian (withdrew from private)": georgian, "colleague": world.colleague,
                   "oregonian": oregonian, "deactivated": gone, "deactivated staff": gone_staff})
    return Everyone(
        people=people,
        communities={**world.communities, "archived": archived},
        topics=list(db.session.scalars(select(Topic).order_by(Topic.id))),
        posts=list(db.session.scalars(select(Post).order_by(Post.id))),
    )


def _opening(topic: Topic) -> Post:
    return db.session.scalars(select(Post).where(Post.topic_id == topic.id)
                              .order_by(Post.id)).first()


def ids(stmt: Select) -> set[int]:
    return set(db.session.scalars(stmt))


def disagreements(expected: dict[str, set[int]], found: dict[str, set[int]]) -> list[str]:
    return [f"  {key}: only Python says yes to {sorted(expected[key] - found[key])}, only SQL "
            f"to {sorted(found[key] - expected[key])}"
            for key in expected if expected[key] != found[key]]


def test_which_communities_a_person_may_see_read_and_act_in(everyone):
    wrong = []
    for action in ROLE_ACTIONS:
        expected, found = {}, {}
        for name, person in everyone.people.items():
            expected[name] = {c.id for c in everyone.communities.values()
                              if policy.can(person, action, c)}
            found[name] = ids(policy.community_ids(person, action))
        wrong += [f"{action}:{line}" for line in disagreements(expected, found)]
    assert not wrong, "can() and can_clause() disagree:\n" + "\n".join(wrong)
    for name, person in everyone.people.items():
        assert ids(policy.readable_community_ids(person)) == ids(
            policy.community_ids(person, Action.READ)), name
        # The catalogue: what they may view, archived communities aside (staff see those too).
        listed = {c.id for c in communities.catalogue(person, communities.CatalogueFilters())}
        assert listed == {c.id for c in everyone.communities.values()
                          if policy.can(person, Action.VIEW, c)
                          and (policy.is_staff(person)
                               or c.status is not CommunityStatus.ARCHIVED)}, name


def test_the_people_of_a_community_and_what_their_roles_allow(everyone):
    signed_up = {name: p for name, p in everyone.people.items() if p.is_authenticated}
    known = {p.id for p in signed_up.values()}
    wrong = []
    for action in ROLE_ACTIONS:
        expected, found = {}, {}
        for slug, community in everyone.communities.items():
            expected[slug] = {p.id for p in signed_up.values()
                              if policy.standing_in(p, community).role_allows(action)}
            found[slug] = ids(policy.people_who_may(community, action)) & known
        wrong += [f"{action}:{line}" for line in disagreements(expected, found)]
    assert not wrong, "role_allows() and people_who_may() disagree:\n" + "\n".join(wrong)
    for community in everyone.communities.values():
        readers = ids(policy.reader_ids(community)) & known
        assert readers == ids(policy.people_who_may(community, Action.READ)) & known
        assert all(policy.can(person, Action.READ, community)
                   for person in signed_up.values() if person.id in readers)


def test_which_topics_a_person_may_see(everyone):
    topics = everyone.topics
    assert any(t.is_hidden for t in topics) and any(t.deleted_at for t in topics)
    assert {c.status for c in everyone.communities.values()} >= {
        CommunityStatus.ARCHIVED, CommunityStatus.RECRUITING, CommunityStatus.IN_PROGRESS}
    assert {c.is_public for c in everyone.communities.values()} == {True, False}
    expected, anywhere, per_community = {}, {}, {}
    for name, person in everyone.people.items():
        expected[name] = {t.id for t in topics if forum_policy.may_see_topic(person, t)}
        anywhere[name] = ids(select(Topic.id).where(forum_policy.visible_topics(person)))
        per_community[name] = set()
        for community in everyone.communities.values():
            per_community[name] |= ids(select(Topic.id).where(
                Topic.community_id == community.id,
                *forum_policy.topic_visibility(policy.standing_in(person, community))))
    wrong = disagreements(expected, anywhere) + disagreements(expected, per_community)
    assert not wrong, "may_see_topic and its SQL forms disagree:\n" + "\n".join(wrong)
    assert expected["facilitator"] > expected["member"]  # the hidden ones they moderate
    assert ids(select(Topic.id).where(*forum_policy.VISIBLE_TO_ALL_TOPICS)) == {
        t.id for t in topics if forum_policy.topic_visible_to_all(t)}
    signed_up = [p for p in everyone.people.values() if p.is_authenticated]
    for topic in topics:  # whom a notice about the topic may reach
        viewers = ids(forum_policy.topic_viewer_ids(topic)) & {p.id for p in signed_up}
        assert viewers == {p.id for p in signed_up if forum_policy.may_see_topic(p, topic)}, (
            topic.title)


def test_which_posts_a_person_may_see(everyone):
    posts = everyone.posts
    assert any(p.hidden_at and not p.is_opening for p in posts)
    assert any(p.deleted_at and not p.is_opening for p in posts)
    expected, found = {}, {}
    for name, person in everyone.people.items():
        expected[name] = {p.id for p in posts if forum_policy.may_see_post(person, p)}
        found[name] = set()
        for community in everyone.communities.values():
            standing = policy.standing_in(person, community)
            found[name] |= ids(select(Post.id).join(Post.topic).where(
                Topic.community_id == community.id, *forum_policy.topic_visibility(standing),
                *forum_policy.post_visibility(standing)))
    wrong = disagreements(expected, found)
    assert not wrong, "may_see_post and its SQL form disagree:\n" + "\n".join(wrong)
    assert ids(select(Post.id).where(*forum_policy.VISIBLE_TO_ALL_POSTS)) == {
        p.id for p in posts if forum_policy.post_visible_to_all(p)}


def test_which_communities_are_open_to_a_state(everyone):
    """open_to_state_clause(state) lists what each active person of its agency may ask to join."""
    wrong, open_somewhere = [], False
    for name, person in everyone.people.items():
        if not (person.is_authenticated and not person.is_deactivated
                and person.organization.kind is OrganizationKind.SEA):
            continue
        expected = {c.id for c in everyone.communities.values()
                    if policy.standing_in(person, c).may(Action.EXPRESS_INTEREST)}
        found = ids(select(Community.id).where(
            policy.open_to_state_clause(person.organization.state_code)))
        open_somewhere |= bool(expected)
        if expected != found:
            wrong.append(f"  {name}: Python says {sorted(expected)}, SQL says {sorted(found)}")
    assert not wrong, "may(EXPRESS_INTEREST) and open_to_state_clause() disagree:\n" + "\n".join(
        wrong)
    assert open_somewhere, "the world has no community open to any state: the test proves nothing"
    assert not ids(select(Community.id).where(policy.open_to_state_clause("ZZ")))


def test_which_sessions_a_person_may_see(everyone):
    """"My sessions" and the calendar feed list what the session pages open, and no more."""
    facilitator = everyone.people["facilitator"]
    for name, community in everyone.communities.items():
        factories.make_session(community, facilitator, title=name,
                               starts_at=utcnow() + timedelta(days=3))
    policy.forget_standings()
    sessions = list(db.session.scalars(select(LiveSession)))
    expected, found = {}, {}
    for name, person in everyone.people.items():
        expected[name] = {s.id for s in sessions if session_policy.may_see_session(person, s)}
        found[name] = ids(select(LiveSession.id).where(session_policy.visible_sessions(person)))
    wrong = disagreements(expected, found)
    assert not wrong, "may_see_session and visible_sessions disagree:\n" + "\n".join(wrong)
    assert expected["georgian (withdrew from private)"] < expected["staff"]
    assert not expected["anonymous"] and not expected["deactivated"]


RESOURCE_STATES = ("shown", "hidden", "deleted", "network", "public", "network and public")


def _resources_of_every_kind(everyone: Everyone) -> list[Resource]:
    """The matrix's library, and in every community, by authors of every kind of standing
    (a member, one whose agency withdrew, one of another state, a facilitator, a deactivated
    account), for each audience: shown, hidden, deleted, published to the network, public, or
    both. Written as rows: some of these no page can make (a state's resource published), and
    the two forms must agree on those too."""
    now = utcnow()
    authors = [everyone.people[name] for name in (
        "member", "georgian (withdrew from private)", "oregonian", "facilitator", "deactivated")]
    db.session.add_all(
        Resource(community_id=community.id, title=f"{state}, {audience}", type=ResourceType.TOOL,
                 author_id=author.id, organization_id=author.organization_id,
                 audience=audience, hidden_at=now if state == "hidden" else None,
                 deleted_at=now if state == "deleted" else None,
                 network_published_at=now if "network" in state else None,
                 is_public="public" in state)
        for community in everyone.communities.values() for author in authors
        for audience in Audience for state in RESOURCE_STATES)
    db.session.commit()
    return list(db.session.scalars(select(Resource).order_by(Resource.id)))


def test_which_resources_a_person_may_see(everyone):
    """Each library, the network's library, counts and digests list what a resource's page and
    downloads open, and no more."""
    resources = _resources_of_every_kind(everyone)
    policy.forget_standings()
    expected, found, published, in_network_library = {}, {}, {}, {}
    for name, person in everyone.people.items():
        expected[name] = {r.id for r in resources if resource_policy.may_see_resource(person, r)}
        found[name] = ids(select(Resource.id).where(resource_policy.visible_resources(person)))
        published[name] = {r.id for r in resources
                           if r.network_published_at is not None and r.id in expected[name]}
        in_network_library[name] = ids(select(Resource.id).where(
            resource_policy.network_library_open(person)))
    wrong = disagreements(expected, found)
    assert not wrong, "may_see_resource and visible_resources disagree:\n" + "\n".join(wrong)
    wrong = disagreements(published, in_network_library)
    assert not wrong, ("the network library lists other than what its readers may see of what "
                       "was published:\n" + "\n".join(wrong))

    # The world has the cases the rules are about.
    by_id = {r.id: r for r in resources}
    public = {r.id for r in resources if r.is_public and not (r.hidden_at or r.deleted_at)}
    assert expected["anonymous"] == expected["deactivated"] == public
    # A state team's own: Arizona's member and staff see it, the facilitators don't.
    arizona_only = {i for i in expected["member"] - expected["facilitator"]
                    if by_id[i].audience is Audience.STATE and by_id[i].hidden_at is None}
    assert arizona_only and arizona_only <= expected["staff"]
    theirs_hidden = {i for i in expected["member"] if by_id[i].hidden_at is not None}
    assert theirs_hidden and not theirs_hidden & expected["observer"]
    assert published["outsider"] - public, "signed-in people see the network's library"
    assert not {r.id for r in resources if r.deleted_at} & expected["staff"]


BLOG_POST_KINDS = ("draft", "out", "scheduled", "unpublished", "unpublished, never out")


def _blog_posts_of_every_kind(everyone: Everyone) -> list[BlogPost]:
    """The matrix's blog posts, and in every community, by authors of every kind of standing
    (an SME, a member, one whose agency withdrew, one of another state, a facilitator, a
    deactivated account), each kind of post, public or not. Written as rows: some of these no
    page can make (a member's post where members may not write), and the forms must agree on
    those too."""
    now = utcnow()
    publish_at = {"draft": None, "out": now - timedelta(days=1),
                  "scheduled": now + timedelta(days=1), "unpublished": now - timedelta(days=2),
                  "unpublished, never out": now + timedelta(days=2)}
    state = {"draft": PostState.DRAFT, "out": PostState.PUBLISHED,
             "scheduled": PostState.PUBLISHED}
    authors = [everyone.people[name] for name in (
        "sme", "member", "georgian (withdrew from private)", "oregonian", "facilitator",
        "deactivated")]
    db.session.add_all(
        BlogPost(community_id=community.id, author_id=author.id,
                 title=f"{kind}{', public' if public else ''}",
                 state=state.get(kind, PostState.UNPUBLISHED), publish_at=publish_at[kind],
                 is_public=public)
        for community in everyone.communities.values() for author in authors
        for kind in BLOG_POST_KINDS for public in (False, True))
    db.session.commit()
    return list(db.session.scalars(select(BlogPost).order_by(BlogPost.id)))


def test_which_blog_posts_a_person_may_read(everyone):
    """A blog's index, the latest posts, feeds, counts and notices list what the post pages
    open to readers, and no more.

    The two forms agree on the posts that are out. may_read_post also opens a post that is not
    out (scheduled, or unpublished) to its author and the community's facilitators, and a draft
    to its author: readable_posts never lists those (a reader's list holds what is out), and the
    index adds them for their writers through waiting_posts (scheduled and unpublished; drafts
    by author), which agrees with may_read_post on that side.
    """
    posts = _blog_posts_of_every_kind(everyone)
    policy.forget_standings()
    now = utcnow()
    out = [post for post in posts if post.is_out(now)]
    waiting = [post for post in posts if not post.is_out(now) and post.state is not (
        PostState.DRAFT)]
    drafts = [post for post in posts if post.state is PostState.DRAFT]
    assert out and waiting and drafts
    expected, found, expected_waiting, found_waiting = {}, {}, {}, {}
    for name, person in everyone.people.items():
        expected[name] = {p.id for p in out if blog_policy.may_read_post(person, p)}
        # Everything the SQL lists: a post not out showing here is a disagreement too.
        found[name] = ids(select(BlogPost.id).where(blog_policy.readable_posts(person, now)))
        expected_waiting[name] = {p.id for p in waiting if blog_policy.may_read_post(person, p)}
        found_waiting[name] = set()
        for community in everyone.communities.values():
            found_waiting[name] |= ids(select(BlogPost.id).where(
                blog_policy.waiting_posts(person, community)))
    wrong = disagreements(expected, found)
    assert not wrong, "may_read_post and readable_posts disagree:\n" + "\n".join(wrong)
    wrong = disagreements(expected_waiting, found_waiting)
    assert not wrong, ("may_read_post and waiting_posts disagree on posts not out:\n"
                       + "\n".join(wrong))

    # A draft is its author's alone: not the facilitators', not staff's.
    for post in drafts:
        readers = {person.id for person in everyone.people.values()
                   if blog_policy.may_read_post(person, post)}
        assert readers <= {post.author_id}, post.title

    # The world has the cases the rules are about.
    by_id = {p.id: p for p in posts}
    communities = everyone.communities
    # Visitors see the public posts of the communities anyone may see.
    open_to_all = {c.id for c in communities.values() if c.is_public}
    public_out = {p.id for p in out if p.is_public and p.community_id in open_to_all}
    assert expected["anonymous"] == expected["deactivated"] == public_out
    assert expected["deactivated staff"] == public_out
    assert expected["staff"] == {p.id for p in out}
    # Arizona withdrew: its member sees only the public posts there (as any visitor would).
    in_withdrawn = {i for i in expected["member"]
                    if by_id[i].community_id == communities["withdrawn"].id}
    assert in_withdrawn and all(by_id[i].is_public for i in in_withdrawn)
    assert {i for i in expected["facilitator"]
            if by_id[i].community_id == communities["withdrawn"].id} > in_withdrawn
    # Georgia withdrew from the private community: nothing there, not even its public posts.
    assert not {i for i in expected["georgian (withdrew from private)"]
                if by_id[i].community_id == communities["private"].id}
    # Scheduled and unpublished posts: their authors and the facilitators, no one else.
    assert expected_waiting["facilitator"] > expected_waiting["sme"] > set()
    assert not expected_waiting["observer"] and not expected_waiting["anonymous"]
    assert not expected_waiting["deactivated"]
