"""The demo forum: realistic discussions in the School and District Improvement P2P, added once."""

from __future__ import annotations

from sqlalchemy import func, select

from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.demo.seed import seed_demo
from workspace.extensions import db
from workspace.forums import pages
from workspace.forums.models import ForumCategory, Post, Topic


def test_the_demo_forum_is_seeded_once_and_reads_like_the_app_wrote_it(app):
    report = seed_demo("workspace-demo")
    assert report.forum_topics == 4
    sdi = db.session.scalar(select(Community).where(
        Community.slug == "school-and-district-improvement-p2p"))
    categories = pages.categories_of(sdi)
    assert [c.name for c in categories][:4] == ["General", "Problems of practice",
                                               "Tools and resources", "Session follow-ups"]
    georgia = db.session.scalar(select(User).where(User.email == "ga.member@example.org"))
    overview = pages.forum_overview(georgia, sdi)
    assert sum(s.topic_count for s in overview.categories) == 4
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
