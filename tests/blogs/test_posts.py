"""Blog posts through their pages: writing, scheduling, editing with history, unpublishing,
who reads what, subscriptions, and the index's fixed query count."""

from __future__ import annotations

import io
import time as clock
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select

from tests import factories
from workspace.blogs import service
from workspace.blogs.models import BlogPost, BlogRevision, PostState
from workspace.blogs.service import Publishing, Writing
from workspace.communities.models import CommunityOrganization
from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs import queue
from workspace.notifications.models import Notification, NotificationKind

SLUG = "school-improvement-p2p"


def publish(author, community, title="What our team tried", **fields) -> BlogPost:
    return service.write(author, community, Writing(title=title, body=fields.pop(
        "body", "We met every principal monthly."), **fields))


def run_jobs() -> int:
    db.session.commit()
    return queue.run_pending()


def form(**fields):
    return {"title": "Monthly check-ins", "summary": "How Arizona met its principals.",
            "body": "We met every principal monthly.", "tags": "monitoring, CSI",
            "publishing": "now", **fields}


def test_an_sme_publishes_and_readers_see_it(client_as, sme, observer, member, outsider):
    answer = client_as(sme).post(f"/communities/{SLUG}/blog/new", data=form())
    assert answer.status_code == 302
    post = db.session.scalar(select(BlogPost))
    assert post.state is PostState.PUBLISHED and post.tag_names == ["CSI", "monitoring"]
    for person in (observer, member, sme):
        page = client_as(person).get(f"/communities/{SLUG}/blog/{post.id}")
        assert page.status_code == 200 and "We met every principal monthly." in page.text
    assert client_as(outsider).get(f"/communities/{SLUG}/blog/{post.id}").status_code == 404
    assert "Monthly check-ins" in client_as(observer).get(f"/communities/{SLUG}/blog").text


def test_members_write_only_where_the_facilitators_turn_it_on(client_as, member, facilitator):
    refused = client_as(member).get(f"/communities/{SLUG}/blog/new")
    assert refused.status_code == 403
    assert "Facilitators and subject matter experts write" in refused.text
    assert client_as(member).get(f"/communities/{SLUG}/blog/settings").status_code == 403
    client_as(facilitator).post(f"/communities/{SLUG}/blog/settings",
                                data={"members_may_post": "y"})
    assert client_as(member).post(f"/communities/{SLUG}/blog/new",
                                  data=form()).status_code == 302


def test_bad_input_is_told_beside_its_field(client_as, sme):
    client = client_as(sme)
    cases = [
        ({"title": ""}, "Give the post a title."),
        ({"title": "x" * 201}, "Keep the title under 200 characters"),
        ({"summary": "x" * 501}, "Keep the summary under 500 characters"),
        ({"publishing": "later", "day": "2020-01-01", "clock": "09:00"}, "That time has passed"),
        ({"publishing": "later", "day": "", "clock": "09:00"}, "Enter the date"),
    ]
    for fields, message in cases:
        answer = client.post(f"/communities/{SLUG}/blog/new", data=form(**fields))
        assert answer.status_code == 422, fields
        assert message in answer.text, (fields, answer.text[:200])
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(picture, format="PNG")
    no_alt = client.post(f"/communities/{SLUG}/blog/new", content_type="multipart/form-data",
                         data=form(cover=(io.BytesIO(picture.getvalue()), "cover.png")))
    assert no_alt.status_code == 422 and "Describe the cover image" in no_alt.text
    assert db.session.scalar(select(func.count()).select_from(BlogPost)) == 0


def test_a_cover_image_with_its_description(client_as, sme, observer):
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(picture, format="PNG")
    answer = client_as(sme).post(
        f"/communities/{SLUG}/blog/new", content_type="multipart/form-data",
        data=form(cover=(io.BytesIO(picture.getvalue()), "cover.png"),
                  cover_alt="Principals around a table"))
    assert answer.status_code == 302
    post = db.session.scalar(select(BlogPost))
    page = client_as(observer).get(f"/communities/{SLUG}/blog/{post.id}")
    assert 'alt="Principals around a table"' in page.text
    image = client_as(observer).get(f"/communities/{SLUG}/blog/images/covers/{post.id}")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")


def test_a_scheduled_post_is_invisible_everywhere_until_its_time(
        client_as, sme, member, other_member, community, app):
    service.subscribe(member, community, True)
    service.subscribe(other_member, community, True)
    post = publish(sme, community, title="Coming soon")
    post.publish_at = utcnow() + timedelta(seconds=2)  # as if scheduled two seconds from now
    post.announced_at = None
    db.session.commit()
    run_jobs()
    reader = client_as(member)
    assert reader.get(f"/communities/{SLUG}/blog/{post.id}").status_code == 404
    assert "Coming soon" not in reader.get(f"/communities/{SLUG}/blog").text
    assert "Coming soon" not in reader.get("/blog").text
    assert "Coming soon" not in reader.get(f"/communities/{SLUG}").text
    assert db.session.scalar(select(func.count()).where(
        Notification.kind == NotificationKind.BLOG_POST)) == 0
    # The author and the facilitators see it waiting.
    assert client_as(sme).get(f"/communities/{SLUG}/blog/{post.id}").status_code == 200

    # Georgia withdraws before the post's time: its member hears nothing of it.
    db.session.scalar(select(CommunityOrganization).where(
        CommunityOrganization.community_id == community.id,
        CommunityOrganization.organization_id == other_member.organization_id)
    ).withdrawn_at = utcnow()
    db.session.commit()
    clock.sleep(2.2)  # no one touches it: its time comes
    assert reader.get(f"/communities/{SLUG}/blog/{post.id}").status_code == 200
    assert "Coming soon" in reader.get(f"/communities/{SLUG}/blog").text
    run_jobs()
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.kind == NotificationKind.BLOG_POST)).all()
    assert told == [member.id]
    run_jobs()
    assert db.session.scalar(select(func.count()).where(
        Notification.kind == NotificationKind.BLOG_POST)) == 1  # once


def test_subscribers_hear_of_a_post_published_now(client_as, sme, member, observer, staff,
                                                  community):
    for person in (member, staff):  # staff read every blog, so they may subscribe too
        client_as(person).post(f"/communities/{SLUG}/blog/subscription",
                               data={"subscribed": "1"})
    publish(sme, community)
    run_jobs()
    notices = db.session.scalars(select(Notification).where(
        Notification.kind == NotificationKind.BLOG_POST).order_by(Notification.id)).all()
    assert sorted(notice.user_id for notice in notices) == sorted([member.id, staff.id])
    assert notices[0].message == (
        "Sme posted “What our team tried” in the School Improvement P2P blog.")


def test_a_worker_without_a_server_name_still_tells_subscribers(app, sme, member, community,
                                                                 monkeypatch):
    """A worker (`flask jobs`, or the one `flask serve` runs) has no request and usually no
    SERVER_NAME: the notice is sent with its link all the same."""
    service.subscribe(member, community, True)
    post = publish(sme, community)
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    run_jobs()
    notice = db.session.scalar(select(Notification).where(
        Notification.kind == NotificationKind.BLOG_POST))
    assert notice is not None and notice.user_id == member.id
    assert notice.link == f"/communities/{SLUG}/blog/{post.id}"


def test_an_edit_after_publishing_shows_updated_and_keeps_history(
        client_as, sme, facilitator, member, community):
    post = publish(sme, community)
    client = client_as(sme)
    answer = client.post(f"/communities/{SLUG}/blog/{post.id}/edit",
                         data=form(title="What our team tried", body="We met them weekly."))
    assert answer.status_code == 302
    page = client_as(member).get(f"/communities/{SLUG}/blog/{post.id}")
    assert "Updated" in page.text and "We met them weekly." in page.text
    revision = db.session.scalar(select(BlogRevision))
    assert revision.body == "We met every principal monthly."
    assert client_as(member).get(
        f"/communities/{SLUG}/blog/{post.id}/history").status_code == 403
    history = client_as(facilitator).get(f"/communities/{SLUG}/blog/{post.id}/history")
    assert history.status_code == 200 and "We met every principal monthly." in history.text


def test_unpublishing_takes_it_back(client_as, sme, member, facilitator, community):
    post = publish(sme, community, title="Taken back")
    client_as(sme).post(f"/communities/{SLUG}/blog/{post.id}/unpublish")
    assert client_as(member).get(f"/communities/{SLUG}/blog/{post.id}").status_code == 404
    assert "Taken back" not in client_as(member).get(f"/communities/{SLUG}/blog").text
    assert client_as(facilitator).get(f"/communities/{SLUG}/blog/{post.id}").status_code == 200
    client_as(sme).post(f"/communities/{SLUG}/blog/{post.id}/unpublish")
    assert client_as(member).get(f"/communities/{SLUG}/blog/{post.id}").status_code == 200


def test_a_draft_is_its_authors_alone(client_as, sme, facilitator, community):
    client_as(sme).post(f"/communities/{SLUG}/blog/new", data=form(publishing="draft"))
    post = db.session.scalar(select(BlogPost))
    assert post.state is PostState.DRAFT
    assert client_as(sme).get(f"/communities/{SLUG}/blog/{post.id}").status_code == 200
    assert client_as(facilitator).get(f"/communities/{SLUG}/blog/{post.id}").status_code == 404
    # Unpublishing a draft would show it to the facilitators: there is nothing to take back.
    refused = client_as(sme).post(f"/communities/{SLUG}/blog/{post.id}/unpublish",
                                  follow_redirects=True)
    assert "This post is not published" in refused.text
    db.session.refresh(post)
    assert post.state is PostState.DRAFT
    assert client_as(facilitator).get(f"/communities/{SLUG}/blog/{post.id}").status_code == 404


def test_public_posts_reach_visitors_and_the_community_page(client_as, sme, facilitator,
                                                            outsider, community):
    post = publish(sme, community, title="Open to all")
    visitor = client_as(None)
    assert visitor.get(f"/communities/{SLUG}/blog/{post.id}").status_code == 404
    assert client_as(sme).post(f"/communities/{SLUG}/blog/{post.id}/public",
                               data={"public": "1"}).status_code == 403
    client_as(facilitator).post(f"/communities/{SLUG}/blog/{post.id}/public",
                                data={"public": "1"})
    assert visitor.get(f"/communities/{SLUG}/blog/{post.id}").status_code == 200
    assert "Open to all" in visitor.get(f"/communities/{SLUG}").text
    assert "Open to all" in visitor.get("/communities/").text  # the catalogue's card
    assert "Open to all" in client_as(outsider).get(f"/communities/{SLUG}/blog").text


def test_latest_from_your_communities_shows_only_what_you_may_read(
        client_as, sme, member, network, community):
    other = factories.make_community(network, participants=["OR"], slug="oregon-p2p")
    oregon_sme = factories.make_user(network.partners["CCSSO"], "or.sme@example.org")
    factories.add_to(other, oregon_sme, "sme")
    publish(sme, community, title="Ours")
    publish(oregon_sme, other, title="Theirs")
    page = client_as(member).get("/blog")
    assert "Ours" in page.text and "Theirs" not in page.text


def test_tag_and_author_filters(client_as, sme, facilitator, member, community):
    publish(sme, community, title="About monitoring", tags="monitoring")
    publish(facilitator, community, title="About families", tags="family engagement")
    client = client_as(member)
    assert "About families" not in client.get(
        f"/communities/{SLUG}/blog?tag=monitoring").text
    page = client.get(f"/communities/{SLUG}/blog?author={facilitator.id}")
    assert "About families" in page.text and "About monitoring" not in page.text


def test_the_index_costs_the_same_queries_for_3_and_30_posts(client_as, sme, member, community,
                                                            queries):
    for number in range(3):
        publish(sme, community, title=f"Post {number}", tags="a, b")
    client = client_as(member)
    client.get(f"/communities/{SLUG}/blog")
    with queries() as few:
        client.get(f"/communities/{SLUG}/blog")
    for number in range(27):
        publish(sme, community, title=f"More {number}", tags="c")
    client.get(f"/communities/{SLUG}/blog")
    with queries() as many:
        client.get(f"/communities/{SLUG}/blog")
    assert many.count == few.count, set(many.statements) ^ set(few.statements)


def test_the_same_form_sent_twice_makes_one_post(client_as, sme):
    client = client_as(sme)
    for _ in range(2):
        client.post(f"/communities/{SLUG}/blog/new", data=form(nonce="blog-form-once-1"))
    assert db.session.scalar(select(func.count()).select_from(BlogPost)) == 1


def test_scheduling_through_the_form_reads_the_authors_zone(client_as, sme):
    sme.time_zone = "America/Phoenix"
    db.session.commit()
    day = (utcnow() + timedelta(days=3)).date()
    answer = client_as(sme).post(f"/communities/{SLUG}/blog/new", data=form(
        publishing="later", day=day.isoformat(), clock="09:00"))
    assert answer.status_code == 302
    post = db.session.scalar(select(BlogPost))
    assert post.publish_at.hour == 16 and post.publish_at.date() == day  # 9 AM MST is 16:00 UTC
    assert Publishing.LATER == "later"
