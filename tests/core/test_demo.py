"""The demo catalogue holds every community from the network's documents, with its people, as
history, and a few communities running now, dated from the day it is loaded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import TEST_SETTINGS
from workspace import create_app, policy
from workspace.announcements.models import Announcement
from workspace.auth.models import Invitation, User
from workspace.blogs import pages as blog_pages
from workspace.blogs.models import (
    BlogComment,
    BlogImage,
    BlogPost,
    BlogReaction,
    BlogRevision,
    BlogSubscription,
)
from workspace.communities.models import Community, CommunityOrganization, CommunityStatus
from workspace.database import utcnow
from workspace.demo.seed import seed_demo
from workspace.extensions import db
from workspace.files.models import PreviewState
from workspace.files.storage import storage
from workspace.forums import pages as forum_pages
from workspace.forums.models import Post, Topic
from workspace.mail.models import OutboxMessage
from workspace.notifications.models import Notification, NotificationKind
from workspace.organizations.models import Organization, OrganizationKind
from workspace.policy import Action
from workspace.policy import blogs as blog_policy
from workspace.policy.resources import may_see_resource, may_share_resource
from workspace.resources.models import (
    Audience,
    Collection,
    CollectionItem,
    Resource,
    ResourceType,
    ResourceVersion,
)
from workspace.sessions.models import LiveSession, Rsvp, RsvpAnswer
from workspace.sessions.poll_models import Poll

LOADED_ON: dict[str, date] = {}


@pytest.fixture(scope="module")
def seeded(database_uri: str, files_root: str) -> Iterator[Flask]:
    """The demo loaded once for this module: seeding goes through every service and takes a
    while, and these tests only read it (a second seed, correctly, writes nothing)."""
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_uri,
                      "FILES_ROOT": files_root})
    with app.app_context():
        db.drop_all()
        db.create_all()
        LOADED_ON["today"] = utcnow().date()
        seed_demo("workspace-demo", today=LOADED_ON["today"])
        db.session.remove()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def demo(seeded: Flask) -> Iterator[None]:
    with seeded.app_context():
        yield
        db.session.remove()


def people(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def community(slug: str) -> Community:
    return db.session.scalar(select(Community).where(Community.slug == slug))


def test_every_state_and_territory_agency_exists(demo):
    codes = set(db.session.scalars(select(Organization.state_code).where(
        Organization.kind == OrganizationKind.SEA)))
    assert len(codes) == 56
    assert {"DC", "PR", "GU", "VI", "AS", "MP", "TX", "AZ"} <= codes


def test_every_seed_community_is_there_with_four_running_now(demo):
    titles = set(db.session.scalars(select(Community.title)))
    assert len(titles) == 24 + 4
    for expected in ("Evidence-Based Practices", "Data Systems", "Equity Labs",
                     "Needs Assessment", "Report Cards", "Foster Care", "Root Cause Analysis",
                     "School and District Improvement Peer-to-Peer Exchange"):
        assert expected in titles, expected  # as the documents name them
    now = db.session.scalars(select(Community.slug).where(Community.status.in_(
        [CommunityStatus.RECRUITING, CommunityStatus.IN_PROGRESS])))
    assert set(now) == {"school-and-district-improvement-p2p", "english-language-proficiency-cop",
                        "data-systems-cop", "rural-differentiated-support-cop"}


def test_the_school_and_district_improvement_p2p_is_history_and_runs_again(demo):
    history = community("school-and-district-improvement-p2p-2019")
    assert history.title == "School and District Improvement Peer-to-Peer Exchange"
    assert history.status is CommunityStatus.COMPLETED
    assert "May 2019" in history.timeframe and "February 2020" in history.timeframe
    states = {link.organization.state_code for link in history.organization_links
              if link.role.value == "participant"}
    assert len(states) == 20 and {"AK", "AZ", "GA", "UT"} <= states
    assert {link.joined_at.date() for link in history.organization_links} == {date(2019, 5, 1)}

    sdi = community("school-and-district-improvement-p2p")
    assert sdi.status is CommunityStatus.IN_PROGRESS
    assert sdi.session_topics == history.session_topics and len(sdi.session_topics) == 5
    assert sdi.session_topics[0] == "School Improvement Frameworks and Progress Monitoring"
    assert sdi.objectives == history.objectives and len(sdi.objectives) == 4
    assert sdi.title.startswith(history.title)
    today = LOADED_ON["today"]
    assert (sdi.starts_on, sdi.ends_on) == (today - timedelta(weeks=6), today + timedelta(weeks=22))
    assert {link.joined_at.date() for link in sdi.organization_links} == {
        today - timedelta(weeks=9)}


def test_the_network_has_a_present_and_a_past(demo):
    today = LOADED_ON["today"]
    for row in db.session.scalars(select(Community)):
        label = f"{row.slug} ({row.status.label})"
        if row.status is CommunityStatus.RECRUITING:
            assert row.starts_on and row.ends_on and today < row.starts_on < row.ends_on, label
            assert not any(year in row.timeframe for year in ("2016", "2017", "2018")), label
        elif row.status is CommunityStatus.IN_PROGRESS:
            assert row.starts_on and row.ends_on, label
            assert row.starts_on <= today <= row.ends_on, label
        elif row.status is CommunityStatus.COMPLETED and row.ends_on:
            assert row.ends_on < today, label


def test_nothing_is_dated_in_the_future_or_since_the_day_of_loading(demo):
    now = utcnow()
    loaded = LOADED_ON["today"]
    links = db.session.execute(select(CommunityOrganization.joined_at, Community.slug,
                                      Community.status, Community.ends_on)
                               .join(Community)).all()
    assert links
    for joined_at, slug, status, ends_on in links:
        assert joined_at.date() < loaded, slug  # when they joined, not when the demo was loaded
        if status is CommunityStatus.COMPLETED and ends_on:
            assert joined_at.date() <= ends_on, slug
    for model, column in ((Post, Post.created_at), (Topic, Topic.last_posted_at),
                          (Announcement, Announcement.published_at),
                          (Resource, Resource.created_at),
                          (ResourceVersion, ResourceVersion.created_at),
                          (BlogPost, BlogPost.created_at), (BlogComment, BlogComment.created_at),
                          (BlogRevision, BlogRevision.created_at)):
        assert db.session.scalar(select(func.max(column))) <= now, model.__name__


def test_no_completed_community_holds_posts_after_its_end(demo):
    posts = db.session.execute(
        select(Community.slug, Community.ends_on, func.max(Post.created_at))
        .join(Topic, Topic.community_id == Community.id).join(Post, Post.topic_id == Topic.id)
        .where(Community.status == CommunityStatus.COMPLETED).group_by(Community.id)).all()
    for slug, ends_on, latest in posts:
        assert ends_on is not None and latest.date() <= ends_on, slug


def test_the_busy_forum_is_the_running_exchange_with_recent_activity(demo):
    busiest = db.session.execute(
        select(Community.slug, Community.status, func.count(Post.id),
               func.min(Post.created_at), func.max(Post.created_at))
        .join(Topic, Topic.community_id == Community.id).join(Post, Post.topic_id == Topic.id)
        .group_by(Community.id).order_by(func.count(Post.id).desc())).first()
    slug, status, count, first, latest = busiest
    assert slug == "school-and-district-improvement-p2p" and status is CommunityStatus.IN_PROGRESS
    now = utcnow()
    assert now - timedelta(days=3) < latest < now  # written this week
    assert now - first > timedelta(weeks=4)  # and over the weeks since it started
    sdi = community(slug)
    assert sdi.starts_on is not None and first.date() >= sdi.starts_on


def test_districts_take_part_where_the_documents_say(demo):
    planning = db.session.scalar(select(Community).where(
        Community.title.like("District Strategic Planning%")))
    names = {link.organization.short_name for link in planning.organization_links}
    assert names == {"Beaverton (OR)", "Bellevue (WA)", "Wake County (NC)"}


def test_recruiting_communities_are_marked(demo):
    statuses = dict(db.session.execute(select(Community.slug, Community.status)).all())
    assert statuses["data-systems-cop"] is CommunityStatus.RECRUITING


def test_demo_accounts_have_the_promised_standing(demo):
    sdi = db.session.scalar(select(Community).where(
        Community.slug == "school-and-district-improvement-p2p"))
    data = db.session.scalar(select(Community).where(Community.slug == "data-systems-cop"))
    assert policy.can(people("facilitator@example.org"), Action.MANAGE, sdi)
    assert policy.can(people("facilitator@example.org"), Action.MANAGE, data)
    assert policy.can(people("sme@example.org"), Action.PUBLISH, sdi)
    assert policy.can(people("az.member@example.org"), Action.CONTRIBUTE, sdi)
    assert policy.can(people("ga.member@example.org"), Action.CONTRIBUTE, sdi)
    assert not policy.can(people("tx.member@example.org"), Action.READ, sdi)
    assert policy.can(people("tx.member@example.org"), Action.EXPRESS_INTEREST, data)
    observer = people("observer@example.org")
    assert policy.can(observer, Action.READ, sdi)
    assert not policy.can(observer, Action.CONTRIBUTE, sdi)
    assert people("staff@example.org").is_network_staff


def row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
            for table in db.metadata.sorted_tables}


def test_seeding_twice_adds_nothing(demo):
    before = row_counts()
    again = seed_demo("workspace-demo")
    assert (again.organizations, again.communities, again.people, again.announcements,
            again.forum_topics, again.sessions, again.resources,
            again.blog_posts) == (0, 0, 0, 0, 0, 0, 0, 0)
    assert row_counts() == before  # no table at all: notifications, email, reactions, files ...


def test_the_seed_command_says_what_it_added(seeded):
    result = seeded.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert ("0 forum topics, 0 sessions, 0 resources, 0 blog posts."
            in result.output.splitlines()[0])


def test_people_came_in_as_the_app_brings_them(demo):
    """Staff invited everyone (but the first staff member, whom no one could), and they accepted."""
    invited = dict(db.session.execute(select(Invitation.email, Invitation.accepted_at)).all())
    emails = set(db.session.scalars(select(User.email)))
    assert set(invited) == emails - {"staff@example.org"}
    assert all(accepted is not None for accepted in invited.values())
    outbox = set(db.session.scalars(select(OutboxMessage.recipient)))
    assert outbox == set(invited)  # each invitation went out by email
    facilitator = people("facilitator@example.org")
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == facilitator.id,
        Notification.message.like("%added you to Data Systems: Second Cohort as a facilitator%")
    )) == 1


def test_the_catalogue_is_what_staff_would_have_typed(demo):
    arizona = db.session.scalar(select(Organization).where(
        Organization.state_code == "AZ", Organization.kind == OrganizationKind.SEA))
    assert arizona.state_name == "Arizona"
    district = db.session.scalar(select(Organization).where(
        Organization.short_name == "Beaverton (OR)"))
    assert district.parent.state_code == "OR" and district.state_name == "Oregon"
    arp = db.session.scalar(select(Community).where(
        Community.slug == "evidence-based-interventions-arp-cop"))
    assert "american rescue plan" in arp.topics  # the service keeps topics lower case
    long_term = db.session.scalar(select(Community).where(
        Community.slug == "essa-long-term-goals-p2p"))
    assert long_term.subject_matter_experts == ["Chris Domaleski (Center for Assessment)"]
    data = db.session.scalar(select(Community).where(Community.slug == "data-systems-cop"))
    assert data.capacity == 12
    assert len(forum_pages.categories_of(data)) == 4  # every community's forum starts set up


def test_the_demo_people_have_not_confirmed_their_time_zones(demo):
    # Whoever tries the demo as one of them is asked about their zone, once.
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.time_zone_confirmed_at.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) > 5


def sessions_of(slug: str) -> list[LiveSession]:
    return list(db.session.scalars(select(LiveSession).where(
        LiveSession.community_id == community(slug).id).order_by(LiveSession.starts_at)))


def test_the_first_sdi_series_has_its_five_sessions_on_their_dates(demo):
    history = community("school-and-district-improvement-p2p-2019")
    held = sessions_of(history.slug)
    assert [s.number for s in held] == [1, 2, 3, 4, 5]
    assert [s.title for s in held] == history.session_topics
    assert held[0].starts_at.date() == date(2019, 5, 21)
    assert held[-1].starts_at.date() == date(2020, 2, 11)
    assert all(history.starts_on <= s.starts_at.date() <= history.ends_on for s in held)
    assert all(s.agenda_html and s.objectives and s.time_zone == "America/New_York"
               for s in held)
    assert all(s.created_at < s.starts_at for s in held)  # scheduled ahead, not on load day


def test_the_running_series_has_one_session_open_now_and_more_to_come(demo):
    now = utcnow()
    running = sessions_of("school-and-district-improvement-p2p")
    open_now = [s for s in running if s.is_open(now)]
    assert len(open_now) == 1 and open_now[0].call_url
    assert any(s.has_ended(now) for s in running)
    upcoming = [s for s in running if s.starts_at > now]
    assert len(upcoming) >= 5
    assert all(s.starts_at.astimezone(ZoneInfo(s.time_zone)).weekday() < 5
               for s in running if s not in open_now)  # weekdays, whatever day it loads
    repeat = next(s.repeat for s in running if s.repeat_id is not None)
    assert len(repeat.sessions) == 6 and repeat.time_zone == "America/Phoenix"
    answers = db.session.scalars(select(Rsvp).where(Rsvp.session_id == open_now[0].id)).all()
    assert {a.answer for a in answers} == {RsvpAnswer.GOING} and len(answers) == 3
    prepared = db.session.scalars(select(Poll).where(Poll.session_id == open_now[0].id)).all()
    assert len(prepared) == 2  # ready to open in the room
    assert all(s.created_at <= now for s in running)
    # A newcomer who may attend sees it in My sessions: the policy lets them.
    member = people("az.member@example.org")
    assert policy.can(member, Action.CONTRIBUTE, open_now[0].community)


# --- The libraries ---------------------------------------------------------------------------

def library_of(slug: str) -> list[Resource]:
    return list(db.session.scalars(select(Resource).where(
        Resource.community_id == community(slug).id).order_by(Resource.created_at)))


def test_the_first_sdi_series_left_a_library_dated_as_it_was_made(demo):
    history = community("school-and-district-improvement-p2p-2019")
    held = library_of(history.slug)
    assert {r.type for r in held} >= {ResourceType.SLIDES, ResourceType.TEMPLATE,
                                      ResourceType.BRIEF, ResourceType.DATA,
                                      ResourceType.SUMMARY}
    assert all(history.starts_on - timedelta(weeks=4) <= r.created_at.date()
               <= history.ends_on + timedelta(weeks=4) for r in held)
    kinds = {r.current_version.file.media_type for r in held if r.current_version}
    assert kinds == {"application/pdf", "image/png", "text/csv",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    slides = next(r for r in held if r.type is ResourceType.SLIDES)
    assert slides.session is not None and slides.session.number == 1
    assert "progress monitoring" in slides.tag_names
    assert len(next(r for r in held if r.type is ResourceType.DATA
                    and r.title.endswith("by region")).state_codes) == 20


def test_a_template_has_two_versions_and_the_first_stays(demo):
    template = next(r for r in library_of("school-and-district-improvement-p2p-2019")
                    if r.type is ResourceType.TEMPLATE)
    first, second = sorted(template.versions, key=lambda version: version.number)
    assert template.current_version_id == second.id and first.digest != second.digest
    assert first.created_at < second.created_at and "Session 4" in second.note
    assert template.updated_at == second.created_at


def test_the_series_summary_is_a_page_published_to_the_network_and_the_public(demo):
    summary = next(r for r in library_of("school-and-district-improvement-p2p-2019")
                   if r.type is ResourceType.SUMMARY)
    assert summary.is_page
    assert summary.title == ("School and District Improvement Peer-to-Peer (P2P) Exchange "
                             "Series Summary")
    assert summary.network_published_at is not None and summary.is_public
    for drawn_from_the_record in ("Alaska", "Creating Evidence-Based Interventions",
                                  "Build a shared understanding"):
        assert drawn_from_the_record in summary.description


def test_the_sdi_toolkit_gathers_the_series_in_order(demo):
    toolkit = db.session.scalar(select(Collection).where(Collection.title == "The SDI toolkit"))
    assert toolkit.community.slug == "school-and-district-improvement-p2p-2019"
    items = db.session.scalars(select(Resource.type).join(
        CollectionItem, CollectionItem.resource_id == Resource.id)
        .where(CollectionItem.collection_id == toolkit.id).order_by(CollectionItem.position))
    assert list(items) == [ResourceType.SLIDES, ResourceType.TEMPLATE, ResourceType.BRIEF,
                           ResourceType.SUMMARY]


def test_the_running_exchange_has_a_link_and_arizonas_own_draft(demo):
    held = library_of("school-and-district-improvement-p2p")
    link = next(r for r in held if r.is_link)
    assert link.link_url.startswith("https://") and link.author.email == "sme@example.org"
    draft = next(r for r in held if r.audience is Audience.STATE)
    assert draft.author.email == "az.member@example.org" and draft.state_codes == ["AZ"]
    assert draft.organization.state_code == "AZ"
    arizona, georgia = people("az.member@example.org"), people("ga.member@example.org")
    assert may_see_resource(arizona, draft) and may_share_resource(arizona, draft)
    assert not may_see_resource(georgia, draft)  # until Arizona's team shares it


def test_every_demo_community_with_a_library_shows_something_published(demo):
    published = db.session.scalars(select(Resource).where(
        Resource.network_published_at.is_not(None))).all()
    public = db.session.scalars(select(Resource).where(Resource.is_public.is_(True))).all()
    assert published and public
    assert {r.community.slug for r in public} >= {"data-systems-cop"}  # recruiting with it
    slugs = {r.community.slug for r in db.session.scalars(select(Resource))}
    assert {"needs-assessment-p2p", "essa-consolidated-state-plan-cop"} <= slugs


def test_the_demo_files_are_stored_and_their_previews_drawn(demo):
    versions = db.session.scalars(select(ResourceVersion)).all()
    assert len(versions) >= 10
    for version in versions:
        stored = version.file
        assert storage().exists(stored.digest), version.filename
        if stored.media_type in ("application/pdf", "image/png"):
            assert stored.preview_state is PreviewState.READY, version.filename
            assert stored.preview_digest and storage().exists(stored.preview_digest)
        else:
            assert stored.preview_state is PreviewState.NONE, version.filename
    document = next(v for v in versions if v.filename.endswith(".docx"))
    with storage().open(document.file.digest) as source:
        assert Document(source).tables  # a real Word document, with its table


# --- The blogs ---------------------------------------------------------------------------------

def posts_in(slug: str) -> dict[str, BlogPost]:
    return {post.title: post for post in db.session.scalars(select(BlogPost).where(
        BlogPost.community_id == community(slug).id).order_by(BlogPost.id))}


def test_the_running_exchange_has_a_blog_written_by_its_people(demo):
    sdi = community("school-and-district-improvement-p2p")
    posts = posts_in(sdi.slug)
    now = utcnow()
    authors = {post.author.email for post in posts.values()}
    assert {"facilitator@example.org", "sme@example.org"} <= authors
    assert all(post.tag_names for post in posts.values())
    out = [post for post in posts.values() if post.is_out(now)]
    assert len(out) == 4 and all(sdi.starts_on <= post.publish_at.date() <= now.date()
                                 for post in out)
    # "Members may post" is on, and Arizona's member told the others what Arizona tried.
    assert blog_policy.members_may_post(sdi)
    member = people("az.member@example.org")
    assert any(post.author_id == member.id for post in out)
    assert blog_policy.may_write_posts(member, sdi)


def test_an_sme_post_has_a_cover_with_its_description_and_another_an_image_in_its_text(demo):
    posts = posts_in("school-and-district-improvement-p2p").values()
    covered = next(post for post in posts if post.cover_digest)
    assert covered.author.email == "sme@example.org"
    assert covered.cover_alt.startswith("The headline “Two or three priorities")
    with storage().open(covered.cover_digest) as source:
        assert source.read(8) == b"\x89PNG\r\n\x1a\n"  # drawn with Pillow as it loaded
    image = db.session.scalar(select(BlogImage).where(BlogImage.filename
                                                      == "what-states-monitor.png"))
    path = f"/communities/school-and-district-improvement-p2p/blog/images/{image.id}"
    shown = next(post for post in posts if f"]({path})" in post.body)
    assert shown.author.email == "sme@example.org" and "(image:" not in shown.body
    assert f'src="{path}"' in shown.body_html  # the app's own image: the sanitizer kept it
    assert 'alt="A bar chart of what the ten state teams monitor' in shown.body_html


def test_one_post_is_public_one_scheduled_and_one_edited_with_its_history(demo):
    sdi = community("school-and-district-improvement-p2p")
    posts = list(posts_in(sdi.slug).values())
    now = utcnow()
    public = [post for post in posts if post.is_public]
    assert len(public) == 1 and public[0].is_out(now)
    assert blog_pages.public_posts(sdi) == public  # on the community's public page
    scheduled = [post for post in posts if post.is_scheduled(now)]
    assert len(scheduled) == 1
    assert timedelta(days=6) < scheduled[0].publish_at - now < timedelta(days=8)
    member = people("az.member@example.org")
    assert not blog_policy.may_read_post(member, scheduled[0])
    assert blog_policy.may_read_post(scheduled[0].author, scheduled[0])
    assert scheduled[0] not in blog_pages.latest(member).items
    edited = [post for post in posts if post.edited_at is not None]
    assert len(edited) == 1 and edited[0].edited_at > edited[0].publish_at
    revision = db.session.scalar(select(BlogRevision).where(BlogRevision.post_id
                                                            == edited[0].id))
    assert revision.created_at == edited[0].edited_at and "*Update:*" not in revision.body
    # The recruiting Data Systems CoP shows its public post on its catalogue card.
    data = community("data-systems-cop")
    assert blog_pages.latest_public_posts([data.id])[data.id].is_public


def test_readers_commented_replied_reacted_and_subscribers_were_told(demo):
    sdi = community("school-and-district-improvement-p2p")
    posts = posts_in(sdi.slug)
    comments = db.session.scalars(select(BlogComment).join(BlogPost).where(
        BlogPost.community_id == sdi.id)).all()
    replies = [comment for comment in comments if comment.parent_id is not None]
    assert replies and len(comments) > len(replies)
    assert all(reply.created_at > db.session.get(BlogComment, reply.parent_id).created_at
               for reply in replies)
    assert all(post.comment_count == sum(1 for comment in comments
                                         if comment.post_id == post.id)
               for post in posts.values())
    assert db.session.scalar(select(func.count(BlogReaction.id))) >= 8
    subscribers = set(db.session.scalars(select(BlogSubscription.user_id).where(
        BlogSubscription.community_id == sdi.id)))
    assert subscribers == {people("ga.member@example.org").id,
                           people("observer@example.org").id}
    told = db.session.execute(select(Notification.user_id, Notification.subject_id).where(
        Notification.kind == NotificationKind.BLOG_POST)).all()
    now = utcnow()
    out = {post.id for post in posts.values() if post.is_out(now)}
    # Each subscriber heard of every post out but their own, and nothing of the scheduled one.
    assert {subject for _, subject in told} == out
    assert {user for user, _ in told} == subscribers
