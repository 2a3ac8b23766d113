"""Comments on blog posts: one level of replies, notices, hiding and deleting, flags through the
community's queue, reactions, live delivery, a fixed cost per page, and who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from workspace import policy, writing
from workspace.auth.models import User
from workspace.blogs import comments, service
from workspace.blogs import moderation as blog_moderation
from workspace.blogs.models import BlogComment, BlogPost
from workspace.blogs.service import Publishing, Writing
from workspace.communities import service as communities
from workspace.database import utcnow
from workspace.errors import Forbidden, Invalid, NotFound
from workspace.extensions import db
from workspace.moderation.models import Flag
from workspace.notifications.models import Notification, NotificationKind
from workspace.reactions import ReactionKind

LIVE = "/live"

@pytest.fixture
def post(community, sme) -> BlogPost:
    return service.write(sme, community, Writing(title="Ninety-day plans that stick",
                                                 body="What we learned from **Arizona**."))


def blog_url(community, path: str) -> str:
    return f"/communities/{community.slug}/blog{path}"


def notices(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind != NotificationKind.BLOG_POST)
        .order_by(Notification.id)))


def shape(thread) -> list[tuple[str, list[str]]]:
    return [(node.placeholder or node.comment.body, [reply.comment.body for reply in node.replies])
            for node in thread]


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


# --- Threads ---------------------------------------------------------------------------------

def test_replies_are_one_level_deep_and_threads_oldest_first(post, member, other_member, sme,
                                                            observer):
    first = comments.add_comment(member, post, "We tried weekly check-ins.")
    second = comments.add_comment(other_member, post, "Ours are monthly.")
    reply = comments.add_comment(other_member, post, "How long do they take?",
                                 parent_id=first.id)
    # Answering a reply joins the same thread: replies take no replies.
    answer = comments.add_comment(member, post, "About twenty minutes.", parent_id=reply.id)
    assert answer.parent_id == first.id
    assert shape(comments.thread_for(observer, post)) == [
        ("We tried weekly check-ins.", ["How long do they take?", "About twenty minutes."]),
        ("Ours are monthly.", [])]
    assert fresh(BlogPost, post.id).comment_count == 4
    assert "<p>We tried weekly check-ins.</p>" in first.body_html
    assert second.parent_id is None


def test_the_text_is_checked_and_rendered_once(post, member):
    with pytest.raises(Invalid, match="Write your comment"):
        comments.add_comment(member, post, "   ")
    with pytest.raises(Invalid, match="under 10,000"):
        comments.add_comment(member, post, "x" * 10_001)
    made = comments.add_comment(member, post, "<script>alert(1)</script>**bold**")
    assert "<script>" not in made.body_html and "<strong>bold</strong>" in made.body_html


def test_the_same_form_sent_twice_makes_one_comment(post, member):
    once = comments.add_comment(member, post, "Thanks!", nonce="form-0000000001")
    again = comments.add_comment(member, post, "Thanks!", nonce="form-0000000001")
    assert again.id == once.id and fresh(BlogPost, post.id).comment_count == 1


def test_a_reply_to_a_hidden_or_deleted_comment_is_refused(post, member, other_member,
                                                           facilitator):
    gone = comments.add_comment(member, post, "Oops")
    comments.delete_comment(member, gone)
    with pytest.raises(Invalid, match="no longer there"):
        comments.add_comment(other_member, post, "Reply", parent_id=gone.id)
    other_post = service.write(facilitator, post.community, Writing(title="Other", body="B"))
    elsewhere = comments.add_comment(member, other_post, "Elsewhere")
    with pytest.raises(Invalid, match="isn't on this post"):
        comments.add_comment(other_member, post, "Reply", parent_id=elsewhere.id)


# --- Notices ---------------------------------------------------------------------------------

def test_the_posts_author_is_told_of_a_comment_once_and_never_of_their_own(
        post, member, sme):
    comment = comments.add_comment(member, post, "Helpful, thank you @sme")  # mentioned too
    told = notices(sme)
    assert [(n.kind, n.subject_type, n.subject_id) for n in told] == [
        (NotificationKind.MENTION, "blog_comment", comment.id)]
    assert told[0].link == f"/communities/{post.community.slug}/blog/{post.id}#comment-{comment.id}"
    comments.add_comment(member, post, "One more thought.")
    assert [n.message for n in notices(sme)][1:] == [
        "Az Member commented on your post “Ninety-day plans that stick”."]
    comments.add_comment(sme, post, "Thanks, all.")
    assert len(notices(sme)) == 2


def test_a_reply_tells_the_comments_author(post, member, other_member, sme, facilitator):
    first = comments.add_comment(member, post, "We tried weekly check-ins.")
    reply = comments.add_comment(other_member, post, "How long?", parent_id=first.id)
    assert [n.message for n in notices(member)] == [
        "Ga Member replied to your comment on “Ninety-day plans that stick”."]
    assert all(n.kind is NotificationKind.BLOG_COMMENT for n in notices(member))
    # Answering the reply tells its author, and the thread's starter (once).
    comments.add_comment(facilitator, post, "Twenty minutes here.", parent_id=reply.id)
    assert [n.message for n in notices(other_member)] == [
        "Facilitator replied to your comment on “Ninety-day plans that stick”."]
    assert notices(member)[-1].message == (
        "Facilitator replied in the thread of your comment on “Ninety-day plans that stick”.")
    assert len(notices(sme)) == 3  # the post's author hears of each


def test_people_whose_state_withdrew_are_not_told(post, member, other_member, staff,
                                                  community):
    first = comments.add_comment(other_member, post, "Georgia's view")
    communities.withdraw_organization(staff, community, other_member.organization)
    comments.add_comment(member, post, "Thanks!", parent_id=first.id)
    assert notices(other_member) == []


# --- Hidden and deleted ----------------------------------------------------------------------

def test_a_hidden_comment_is_seen_marked_by_its_author_and_moderators_only(
        post, member, other_member, facilitator, observer):
    comment = comments.add_comment(member, post, "Student names here")
    comments.add_comment(other_member, post, "Fine one")
    blog_moderation.hide_comment(facilitator, comment, reason="Names a student")
    assert fresh(BlogPost, post.id).comment_count == 1
    for person in (member, facilitator):
        first = comments.thread_for(person, post)[0]
        assert first.is_hidden and first.comment.body == "Student names here"
    assert shape(comments.thread_for(observer, post)) == [("Fine one", [])]
    told = notices(member)
    assert told[-1].kind is NotificationKind.POST_HIDDEN and "Names a student" in told[-1].message
    blog_moderation.restore_comment(facilitator, comment)
    assert len(comments.thread_for(observer, post)) == 2
    assert fresh(BlogPost, post.id).comment_count == 2


def test_a_deleted_comment_leaves_a_line_only_where_it_has_replies(post, member, other_member,
                                                                   observer):
    lonely = comments.add_comment(member, post, "Nobody answered this")
    answered = comments.add_comment(member, post, "Somebody answered this")
    comments.add_comment(other_member, post, "I did", parent_id=answered.id)
    for comment in (lonely, answered):
        comments.delete_comment(member, comment)
    assert shape(comments.thread_for(observer, post)) == [(comments.DELETED, ["I did"])]
    assert shape(comments.thread_for(member, post)) == [(comments.DELETED, ["I did"])]
    assert fresh(BlogPost, post.id).comment_count == 1


def test_hiding_or_deleting_withdraws_the_notices_it_sent(post, member, sme, facilitator):
    comment = comments.add_comment(member, post, "A comment")
    assert len(notices(sme)) == 1
    blog_moderation.hide_comment(facilitator, comment, reason="Off topic")
    assert notices(sme) == []


def test_only_its_author_edits_or_deletes_a_comment(post, member, other_member, facilitator):
    comment = comments.add_comment(member, post, "First words")
    with pytest.raises(Forbidden):
        comments.edit_comment(other_member, comment, "Changed")
    with pytest.raises(Forbidden):
        comments.delete_comment(facilitator, comment)  # facilitators hide instead
    edited = comments.edit_comment(member, comment, "Better words")
    assert edited.edited_at is not None and edited.body_html == "<p>Better words</p>"


# --- Moderation ------------------------------------------------------------------------------

def test_a_flagged_comment_is_hidden_from_the_communitys_queue(client_as, post, member,
                                                               other_member, facilitator,
                                                               community):
    comment = comments.add_comment(member, post, "Call me at 555-0100")
    with pytest.raises(Forbidden):
        blog_moderation.flag_comment(member, comment, reason="Mine")  # not one's own
    flag = blog_moderation.flag_comment(other_member, comment, reason="A phone number")
    assert flag.link.endswith(f"/blog/{post.id}#comment-{comment.id}")
    client = client_as(facilitator)
    queue = client.get(f"/communities/{community.slug}/moderation/flags").get_data(as_text=True)
    assert "Az Member&#39;s comment on “Ninety-day plans that stick”" in queue
    assert "Hide comment" in queue
    hidden = client.post(f"/communities/{community.slug}/moderation/flags/{flag.id}/hide",
                         data={"reason": "No phone numbers, please"})
    assert hidden.status_code == 302
    assert fresh(BlogComment, comment.id).hidden_reason == "No phone numbers, please"
    assert not fresh(Flag, flag.id).is_open
    assert notices(member)[-1].kind is NotificationKind.POST_HIDDEN
    log = client.get(f"/communities/{community.slug}/moderation/log").get_data(as_text=True)
    assert "Hid a blog comment" in log


def test_flag_hide_and_restore_pages(client_as, post, member, other_member, facilitator,
                                     community):
    comment = comments.add_comment(member, post, "Call me")
    flag_page = blog_url(community, f"/comments/{comment.id}/flag")
    assert client_as(member).get(flag_page).status_code == 403
    reader = client_as(other_member)
    assert reader.get(flag_page).status_code == 200
    assert reader.post(flag_page, data={"reason": ""}).status_code == 422
    assert reader.post(flag_page, data={"reason": "Phone number"}).status_code == 302
    again = reader.post(flag_page, data={"reason": "Phone number"})
    assert again.status_code == 422 and "already flagged" in again.get_data(as_text=True)
    hide_page = blog_url(community, f"/comments/{comment.id}/hide")
    assert reader.get(hide_page).status_code == 403
    moderator = client_as(facilitator)
    assert moderator.post(hide_page, data={"reason": "Phone"}).status_code == 302
    assert fresh(BlogComment, comment.id).hidden_at is not None
    restore = blog_url(community, f"/comments/{comment.id}/restore")
    assert reader.post(restore).status_code == 403
    assert moderator.post(restore).status_code == 302
    assert fresh(BlogComment, comment.id).hidden_at is None


# --- Reactions -------------------------------------------------------------------------------

def test_reactions_toggle_and_count(client_as, post, member, other_member, observer,
                                    community):
    assert comments.react(member, post, ReactionKind.THANKS) is True
    assert comments.react(other_member, post, ReactionKind.THANKS) is True
    assert comments.react(member, post, ReactionKind.THANKS) is False
    counts = {s.kind: (s.count, s.mine) for s in comments.reaction_summaries(other_member, post)}
    assert counts[ReactionKind.THANKS] == (1, True) and counts[ReactionKind.AGREE] == (0, False)
    with pytest.raises(Forbidden):
        comments.react(observer, post, ReactionKind.AGREE)
    answer = client_as(member).post(blog_url(community, f"/{post.id}/reactions"),
                                    data={"kind": "insightful"},
                                    headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.json["added"] is True
    assert {"kind": "insightful", "label": "Insightful", "count": 1, "mine": True} in (
        answer.json["reactions"])
    plain = client_as(member).post(blog_url(community, f"/{post.id}/reactions"),
                                   data={"kind": "insightful"})
    assert plain.status_code == 302 and plain.headers["Location"].endswith("#reactions")
    assert client_as(member).post(blog_url(community, f"/{post.id}/reactions"),
                                  data={"kind": "love"}).status_code == 422


# --- Live ------------------------------------------------------------------------------------

def events(client, name: str) -> list[dict]:
    return [event["args"][0] for event in client.get_received(LIVE) if event["name"] == name]


def follow(client, post) -> dict:
    return client.emit("watch_blog_post", {"post_id": post.id}, namespace=LIVE, callback=True)


def test_a_new_comment_reaches_the_people_reading_the_post(connect_as, client_as, post, member,
                                                           sme, observer, outsider,
                                                           community):
    author, reader, texan = connect_as(sme), connect_as(observer), connect_as(outsider)
    assert follow(author, post) == {"ok": True} and follow(reader, post) == {"ok": True}
    assert follow(texan, post)["ok"] is False  # not public: outsiders can't follow it
    comment = comments.add_comment(member, post, "Live from Arizona")
    expected = {"post_id": post.id, "comment_id": comment.id, "parent_id": None,
                "author": "Az Member", "comment_count": 1}
    assert events(author, "comment_added") == [expected]
    assert events(reader, "comment_added") == [expected]
    assert events(texan, "comment_added") == []
    # The page fetches the comment as its reader sees it.
    fragment = client_as(observer).get(blog_url(community, f"/comments/{comment.id}/fragment"))
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and html.lstrip().startswith("<li")
    assert f'id="comment-{comment.id}"' in html and "Live from Arizona" in html
    assert "<html" not in html
    comments.react(member, post, ReactionKind.AGREE)
    assert events(reader, "reactions_changed") == [
        {"post_id": post.id, "counts": {"thanks": 0, "insightful": 0, "question": 0,
                                        "agree": 1}}]


def test_a_hidden_comment_sends_only_ids_and_its_fragment_is_gone_for_readers(
        connect_as, client_as, post, member, observer, facilitator, community):
    comment = comments.add_comment(member, post, "A student's full name")
    reader = connect_as(observer)
    follow(reader, post)
    blog_moderation.hide_comment(facilitator, comment, reason="Names a student")
    assert events(reader, "comment_changed") == [
        {"post_id": post.id, "comment_id": comment.id, "comment_count": 0}]
    path = blog_url(community, f"/comments/{comment.id}/fragment")
    assert client_as(observer).get(path).status_code == 404
    assert "Hidden" in client_as(member).get(path).get_data(as_text=True)


def test_a_withdrawn_states_member_cannot_follow_a_post(connect_as, post, other_member, staff,
                                                        community):
    communities.withdraw_organization(staff, community, other_member.organization)
    assert follow(connect_as(other_member), post)["ok"] is False


def test_a_scheduled_post_is_followed_only_by_its_author_and_facilitators(
        connect_as, community, sme, member, facilitator):
    later = utcnow() + timedelta(days=2)
    scheduled = service.write(sme, community, Writing(
        title="Soon", body="Not yet", publishing=Publishing.LATER,
        day=later.date(), clock=later.time().replace(microsecond=0)))
    assert follow(connect_as(member), scheduled)["ok"] is False
    assert follow(connect_as(sme), scheduled) == {"ok": True}
    assert follow(connect_as(facilitator), scheduled) == {"ok": True}
    with pytest.raises(Forbidden, match="once the post is published"):
        comments.add_comment(member, scheduled, "Early")


# --- Cost ------------------------------------------------------------------------------------

def grow(post: BlogPost, count: int, authors: list) -> None:
    """Comments in bulk from several people: every third a reply, some hidden or deleted."""
    start = utcnow()
    tops: list[int] = []
    for n in range(count):
        parent = tops[-1] if n % 3 == 2 and tops else None
        comment_id = db.session.execute(insert(BlogComment).values(
            post_id=post.id, author_id=authors[n % len(authors)].id, parent_id=parent,
            body=f"Comment {n}", body_html=f"<p>Comment {n}</p>",
            created_at=start + timedelta(seconds=n),
            hidden_at=start if n % 11 == 5 else None,
            deleted_at=start if n % 13 == 7 else None)).inserted_primary_key[0]
        if parent is None:
            tops.append(comment_id)
    db.session.commit()


def count_page(client, path: str, queries) -> int:
    db.session.close()  # a real request starts with an empty session
    with queries() as counted:
        response = client.get(path)
    assert response.status_code == 200, path
    return counted.count


def test_a_post_with_2_or_200_comments_costs_the_same(client_as, queries, community, sme,
                                                      member, other_member, facilitator,
                                                      observer):
    people = [member, other_member, sme, facilitator]
    few = service.write(sme, community, Writing(title="Few", body="B"))
    many = service.write(sme, community, Writing(title="Many", body="B"))
    grow(few, 2, people)
    grow(many, 200, people)
    paths = [blog_url(community, f"/{p.id}") for p in (few, many)]
    viewers = {person.name: client_as(person) for person in (member, facilitator, observer)}
    for name, client in viewers.items():
        counts = [count_page(client, path, queries) for path in paths]
        assert counts[0] == counts[1], (name, counts)
    page = viewers["Facilitator"].get(paths[1]).get_data(as_text=True)
    assert page.count('class="workspace-comment ') + page.count('class="workspace-comment"') > 150


def test_a_thread_costs_the_same_read_directly(queries, community, sme, member, other_member,
                                               facilitator):
    people = [member, other_member, sme, facilitator]
    few = service.write(sme, community, Writing(title="Few", body="B"))
    many = service.write(sme, community, Writing(title="Many", body="B"))
    grow(few, 2, people)
    grow(many, 200, people)
    counts, viewer_id = [], facilitator.id
    for post_id in (few.id, many.id):
        db.session.close()
        policy.forget_standings()  # as a new request starts with none
        viewer = db.session.get(User, viewer_id)
        shown = db.session.scalar(select(BlogPost).where(BlogPost.id == post_id))
        assert shown.community.slug  # loaded, as the post page has it
        with queries() as counted:
            thread = comments.thread_for(viewer, shown)
            [(node.comment.author.organization.name, [r.comment.author.name for r in node.replies])
             for node in thread]
        counts.append(counted.count)
    assert counts[0] == counts[1] <= 4, counts


# --- Who may ---------------------------------------------------------------------------------

def test_members_comment_and_others_cannot(client_as, post, member, observer, outsider, staff,
                                           other_member, community):
    path = blog_url(community, f"/{post.id}/comments")
    with pytest.raises(Forbidden, match="Observers read the blog"):
        comments.add_comment(observer, post, "Hi")
    assert client_as(observer).post(path, data={"body": "Hi"}).status_code == 403
    assert client_as(outsider).post(path, data={"body": "Hi"}).status_code == 404
    communities.withdraw_organization(staff, community, other_member.organization)
    with pytest.raises(NotFound):
        comments.readable_post(other_member, community, post.id)
    assert client_as(other_member).post(path, data={"body": "Hi"}).status_code == 404
    assert client_as(None).post(path, data={"body": "Hi"}).status_code == 401  # text given back
    done = client_as(member).post(path, data={"body": "Hello"})
    assert done.status_code == 302 and "#comment-" in done.headers["Location"]
    assert [c.body for c in db.session.scalars(select(BlogComment))] == ["Hello"]


def test_outsiders_read_comments_on_a_public_post_but_cannot_comment(client_as, post,
                                                                     facilitator, member,
                                                                     outsider, community):
    service.make_public(facilitator, post, True)
    comments.add_comment(member, post, "Public thoughts")
    page = client_as(outsider).get(blog_url(community, f"/{post.id}"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Public thoughts" in html
    assert "Add a comment" not in html and "Flag" not in html
    visitor = client_as(None).get(blog_url(community, f"/{post.id}")).get_data(as_text=True)
    assert "Public thoughts" in visitor and "Sign in</a> to comment" in visitor
    path = blog_url(community, f"/{post.id}/comments")
    assert client_as(outsider).post(path, data={"body": "Hi"}).status_code == 403


# --- The routes and the partial --------------------------------------------------------------

def test_a_refused_comment_comes_back_beside_its_field(client_as, post, member, community):
    client = client_as(member)
    path = blog_url(community, f"/{post.id}/comments")
    empty = client.post(path, data={"body": "  ", "nonce": "form-0000000002"})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 422 and 'id="comment-body-error"' in html
    assert "Write your comment before posting it." in html
    long = client.post(path, data={"body": "y" * 10_001})
    assert long.status_code == 422 and "y" * 10_001 in long.get_data(as_text=True)
    preview = client.post(path, data={"body": "**Bold**", "preview": "1"})
    assert preview.status_code == 200 and "<strong>Bold</strong>" in preview.get_data(
        as_text=True)
    assert db.session.scalars(select(BlogComment)).all() == []
    json = client.post(path, data={"body": ""}, headers={"Accept": "application/json"})
    assert json.status_code == 422 and json.json["field"] == "body"
    made = client.post(path, data={"body": "Via script"}, headers={"Accept": "application/json"})
    assert made.status_code == 201
    assert made.json["url"].endswith(f"#comment-{made.json['comment_id']}")


def test_a_reply_form_opens_under_its_comment_without_javascript(client_as, post, member,
                                                                 other_member, community):
    first = comments.add_comment(member, post, "Top")
    reply = comments.add_comment(other_member, post, "Under", parent_id=first.id)
    page = client_as(member).get(blog_url(community, f"/{post.id}?reply_to={reply.id}"))
    html = page.get_data(as_text=True)
    post_path = f"/communities/{community.slug}/blog/{post.id}"
    assert f'href="{post_path}?reply_to={first.id}#reply-form"' in html
    assert 'id="reply-form"' in html and f'name="parent_id" value="{reply.id}"' in html
    assert html.index(f'id="comment-{reply.id}"') < html.index('id="reply-form"')
    assert "<template data-reply-template>" in html
    sent = client_as(member).post(blog_url(community, f"/{post.id}/comments"),
                                  data={"body": "Thanks", "parent_id": str(reply.id)})
    assert sent.status_code == 302
    newest = db.session.scalars(select(BlogComment).order_by(BlogComment.id.desc())).first()
    assert newest.parent_id == first.id


def test_the_partial_shows_reactions_actions_and_marks(client_as, post, member, other_member,
                                                       facilitator, community):
    mine = comments.add_comment(member, post, "Mine")
    theirs = comments.add_comment(other_member, post, "Theirs")
    blog_moderation.hide_comment(facilitator, theirs, reason="Spam")
    comments.react(member, post, ReactionKind.THANKS)
    html = client_as(member).get(blog_url(community, f"/{post.id}")).get_data(as_text=True)
    assert 'aria-pressed="true" data-reaction="thanks"' in html
    assert 'aria-pressed="false" data-reaction="agree"' in html
    assert 'aria-live="polite"' in html and "Theirs" not in html
    assert f"/comments/{mine.id}/edit" in html and f"/comments/{mine.id}/flag" not in html
    moderator = client_as(facilitator).get(blog_url(community, f"/{post.id}")).get_data(
        as_text=True)
    assert "Theirs" in moderator and "Hidden by a facilitator" in moderator
    assert f"/comments/{mine.id}/flag" in moderator
    assert f"/comments/{theirs.id}/restore" in moderator


def test_editing_and_deleting_through_the_routes(client_as, post, member, other_member,
                                                 community):
    comment = comments.add_comment(member, post, "Draft thought")
    edit = blog_url(community, f"/comments/{comment.id}/edit")
    assert client_as(other_member).get(edit).status_code == 403
    client = client_as(member)
    assert "Draft thought" in client.get(edit).get_data(as_text=True)
    assert client.post(edit, data={"body": ""}).status_code == 422
    assert client.post(edit, data={"body": "Final thought"}).status_code == 302
    assert fresh(BlogComment, comment.id).body == "Final thought"
    delete = blog_url(community, f"/comments/{comment.id}/delete")
    assert client_as(other_member).post(delete).status_code == 403
    assert client.post(delete, headers={"Accept": "application/json"}).json == {"ok": True}
    assert fresh(BlogComment, comment.id).deleted_at is not None
    assert client.get(edit).status_code == 404


def test_comments_and_replies_keep_drafts_as_they_are_typed(client_as, post, member, observer,
                                                            community):
    first = comments.add_comment(member, post, "Top")
    drafts = f"/communities/{community.slug}/writing/drafts"
    client = client_as(member)
    for kind, target in (("blog_comment", post.id), ("blog_comment_reply", first.id)):
        saved = client.post(drafts, json={"kind": kind, "target": target, "body": "Half"})
        assert saved.status_code == 200 and saved.json["saved"] is True, kind
    assert client_as(observer).post(drafts, json={
        "kind": "blog_comment", "target": post.id, "body": "Half"}).status_code == 403
    html = client.get(blog_url(community, f"/{post.id}")).get_data(as_text=True)
    assert "We restored the comment you were writing" in html and "Half</textarea>" in html
    comments.add_comment(member, post, "Done", parent_id=first.id)
    comments.add_comment(member, post, "Done too")
    assert writing.draft_for(member, "blog_comment", post.id) is None
    assert writing.draft_for(member, "blog_comment_reply", first.id) is None
