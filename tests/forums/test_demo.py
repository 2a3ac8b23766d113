"""The demo forum: realistic discussions in the running School and District Improvement P2P,
added once, dated over the weeks before the day the demo is loaded."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from workspace import writing
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.demo.seed import seed_demo
from workspace.extensions import db
from workspace.forums import pages
from workspace.forums.models import (
    ForumCategory,
    ModerationAction,
    Post,
    Reaction,
    Topic,
    TopicSubscription,
)
from workspace.moderation.models import ModerationEvent
from workspace.notifications.models import Notification


def test_the_demo_forum_is_seeded_once_and_reads_like_the_app_wrote_it(app):
    report = seed_demo("workspace-demo")
    assert report.forum_topics == 5
    sdi = db.session.scalar(select(Community).where(
        Community.slug == "school-and-district-improvement-p2p"))
    categories = pages.categories_of(sdi)
    assert [c.name for c in categories][:4] == ["General", "Problems of practice",
                                               "Tools and resources", "Session follow-ups"]
    georgia = db.session.scalar(select(User).where(User.email == "ga.member@example.org"))
    overview = pages.forum_overview(georgia, sdi)
    assert sum(s.topic_count for s in overview.categories) == 5
    question = db.session.scalar(select(Topic).where(Topic.title.like("How do you monitor%")))
    page = pages.topic_page(georgia, question, page=1)
    assert page.answer is not None and page.answer.author.email == "sme@example.org"
    assert question.reply_count == len(page.posts) - 1
    assert any(view.quote is not None for view in page.posts)
    counts = [db.session.scalar(select(func.count()).select_from(model))
              for model in (ForumCategory, Topic, Post)]
    assert seed_demo("workspace-demo").forum_topics == 0
    assert counts == [db.session.scalar(select(func.count()).select_from(model))
                      for model in (ForumCategory, Topic, Post)]


def test_the_demo_forum_is_what_the_forum_service_writes(app):
    today = utcnow().date()
    seed_demo("workspace-demo", today=today)
    sdi = db.session.scalar(select(Community).where(
        Community.slug == "school-and-district-improvement-p2p"))
    posts = list(db.session.scalars(select(Post).where(Post.topic_id.in_(
        select(Topic.id).where(Topic.community_id == sdi.id)))))
    assert len(posts) == 17
    for post in posts:  # rendered by the service, mentions of the community's people marked
        assert post.body_html == writing.render_body(sdi, post.body), post.body[:40]
    assert any('class="workspace-mention"' in post.body_html for post in posts)

    # Dated as written, relative to the day of loading, with what writing, reacting and
    # moderating leave behind.
    def day(days_ago: int, at: time) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), at, tzinfo=UTC)

    welcome = db.session.scalar(select(Topic).where(Topic.title.like("Welcome%")))
    assert welcome.created_at == day(40, time(14))
    assert welcome.last_posted_at == day(38, time(13, 5))
    assert max(post.created_at for post in posts) == day(1, time(16, 30))
    assert welcome.is_pinned and welcome.reply_count == 2
    assert db.session.scalar(select(func.count()).select_from(ModerationEvent).where(
        ModerationEvent.action == ModerationAction.PINNED)) == 1
    assert db.session.scalar(select(func.count()).select_from(Reaction)) == 16
    sme = db.session.scalar(select(User).where(User.email == "sme@example.org"))
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == sme.id, Notification.message.like("%mentioned you%"))) == 1
    assert db.session.scalar(select(func.count()).select_from(TopicSubscription).where(
        TopicSubscription.user_id == sme.id)) == 4  # the topics Priya wrote in
