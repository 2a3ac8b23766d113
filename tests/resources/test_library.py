"""The library through its pages: adding files and links, versions, downloads, sharing,
publishing, filters, collections, discussion and flags."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.resources.conftest import (
    add_files,
    only_resource,
    pdf_bytes,
    png_bytes,
    run_jobs,
    upload,
)
from workspace.communities.models import CommunityOrganization
from workspace.database import utcnow
from workspace.extensions import db
from workspace.files.models import PreviewState, StoredFile
from workspace.forums.models import Topic
from workspace.moderation.models import Flag
from workspace.notifications.models import Notification, NotificationKind
from workspace.resources.models import Audience, Resource, ResourceVersion

SLUG = "school-improvement-p2p"


def test_a_member_adds_a_pdf_and_everyone_in_the_community_downloads_it(
        client_as, member, other_member, facilitator):
    data = pdf_bytes()
    answer = add_files(client_as(member), SLUG, [("SDI rubric.pdf", data)],
                       description="The rubric @facilitator asked about.", tags="rubric, SDI")
    resource = only_resource()
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/library/{resource.id}")
    assert resource.title == "SDI rubric" and sorted(resource.tag_names) == ["SDI", "rubric"]
    assert resource.current_version.number == 1

    page = client_as(other_member).get(f"/library/{resource.id}")
    assert page.status_code == 200 and "SDI rubric" in page.text
    download = client_as(other_member).get(f"/library/{resource.id}/download")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    db.session.refresh(resource)
    assert resource.download_count == 1

    told = db.session.scalars(select(Notification.user_id).where(
        Notification.kind == NotificationKind.RESOURCE_ADDED)).all()
    assert set(told) == {other_member.id, facilitator.id}
    assert db.session.scalar(select(func.count()).where(
        Notification.kind == NotificationKind.MENTION,
        Notification.user_id == facilitator.id)) == 1


def test_several_files_at_once_become_several_resources_and_a_bad_one_is_told_apart(
        client_as, member):
    client = client_as(member)
    refused = upload(client, SLUG, "notes.pdf", b"<html><script>alert(1)</script></html>")
    assert refused.status_code == 422
    assert "notes.pdf" in refused.get_json()["error"]
    answer = add_files(client, SLUG, [("one.pdf", pdf_bytes("one")), ("two.png", png_bytes())],
                       upload_title=["First tool", ""])
    assert answer.status_code == 302
    titles = sorted(db.session.scalars(select(Resource.title)))
    assert titles == ["First tool", "two"]


def test_without_script_the_form_posts_the_files_and_refuses_each_bad_one_by_name(
        client_as, member):
    form = {"source": "files", "type": "brief", "audience": "community",
            "files": [(io.BytesIO(pdf_bytes()), "brief.pdf"),
                      (io.BytesIO(b"MZ\x90\x00 not a pdf"), "setup.pdf")]}
    answer = client_as(member).post(f"/communities/{SLUG}/library/new", data=form,
                                    content_type="multipart/form-data", follow_redirects=True)
    assert answer.status_code == 200
    assert "setup.pdf" in answer.text  # told why, beside the one that went in
    assert only_resource().title == "brief"


def test_the_same_form_sent_twice_adds_its_resources_once(client_as, member):
    client = client_as(member)
    token = upload(client, SLUG, "plan.pdf", pdf_bytes()).get_json()["token"]
    form = {"source": "files", "type": "tool", "audience": "community", "upload": [token],
            "nonce": "form-once-1234"}
    assert client.post(f"/communities/{SLUG}/library/new", data=form).status_code == 302
    assert client.post(f"/communities/{SLUG}/library/new", data=form).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Resource)) == 1


def test_the_same_bytes_are_stored_once(client_as, member, other_member):
    data = pdf_bytes("shared")
    add_files(client_as(member), SLUG, [("a.pdf", data)])
    add_files(client_as(other_member), SLUG, [("b.pdf", data)])
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1
    assert db.session.scalar(select(func.count()).select_from(Resource)) == 2


def test_a_link_needs_a_title_and_a_web_address(client_as, member):
    client = client_as(member)
    bad = client.post(f"/communities/{SLUG}/library/new", data={
        "source": "link", "type": "report", "link_url": "javascript:alert(1)", "title": "X"})
    assert bad.status_code == 422 and "https://" in bad.text
    untitled = client.post(f"/communities/{SLUG}/library/new", data={
        "source": "link", "type": "report", "link_url": "https://example.org/report"})
    assert untitled.status_code == 422 and "Give the link a title" in untitled.text
    good = client.post(f"/communities/{SLUG}/library/new", data={
        "source": "link", "type": "report", "link_url": "https://example.org/report",
        "title": "ESSA report"})
    assert good.status_code == 302
    resource = only_resource()
    assert resource.is_link
    assert 'href="https://example.org/report"' in client.get(f"/library/{resource.id}").text


def test_observers_read_the_library_but_do_not_add_to_it(client_as, observer):
    client = client_as(observer)
    assert client.get(f"/communities/{SLUG}/library").status_code == 200
    refused = client.get(f"/communities/{SLUG}/library/new")
    assert refused.status_code == 403 and "Observers read the library" in refused.text
    assert upload(client, SLUG, "a.pdf", pdf_bytes()).status_code == 403


def test_a_new_version_keeps_the_old_one_downloadable(client_as, member, other_member):
    client = client_as(member)
    first = pdf_bytes("first")
    add_files(client, SLUG, [("plan.pdf", first)])
    resource = only_resource()
    token = upload(client, SLUG, "plan-v2.pdf", pdf_bytes("second")).get_json()["token"]
    missing_note = client.post(f"/library/{resource.id}/versions/new", data={"upload": token})
    assert missing_note.status_code == 422 and "Say what changed" in missing_note.text
    answer = client.post(f"/library/{resource.id}/versions/new",
                         data={"upload": token, "note": "Updated for 2020"})
    assert answer.status_code == 302
    db.session.refresh(resource)
    assert resource.current_version.number == 2
    page = client_as(other_member).get(f"/library/{resource.id}")
    assert "Updated for 2020" in page.text and "plan-v2.pdf" in page.text
    old = client_as(other_member).get(f"/library/{resource.id}/versions/1/download")
    assert old.data == first
    # Only its author and the facilitators change it.
    assert client_as(other_member).get(f"/library/{resource.id}/versions/new").status_code == 403


def test_a_large_download_answers_ranges(client_as, member, other_member):
    data = pdf_bytes("ranges")
    add_files(client_as(member), SLUG, [("r.pdf", data)])
    resource = only_resource()
    reader = client_as(other_member)
    part = reader.get(f"/library/{resource.id}/download", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == data[10:20]
    db.session.refresh(resource)
    assert resource.download_count == 0  # a continuation is not a new download


def test_behind_nginx_only_a_permitted_download_is_handed_to_nginx(app, client_as, member,
                                                                  other_member, staff):
    app.config["ACCEL_REDIRECT_PREFIX"] = "/_stored-files"
    data = pdf_bytes("behind nginx")
    add_files(client_as(member), SLUG, [("plan.pdf", data)], audience="state")
    resource = only_resource()
    digest = resource.current_version.file.digest

    allowed = client_as(staff).get(f"/library/{resource.id}/download")
    assert allowed.status_code == 200 and allowed.data == b""
    assert allowed.headers["X-Accel-Redirect"] == (
        f"/_stored-files/{digest[:2]}/{digest[2:4]}/{digest}")
    assert allowed.headers["Content-Type"] == "application/pdf"
    assert allowed.headers["Content-Disposition"].startswith('attachment; filename="plan.pdf"')
    assert "sandbox" in allowed.headers["Content-Security-Policy"]
    db.session.refresh(resource)
    assert resource.download_count == 1

    for refused in (client_as(other_member), client_as(None)):
        answer = refused.get(f"/library/{resource.id}/download")
        assert answer.status_code in {403, 404}
        assert "X-Accel-Redirect" not in answer.headers


def test_a_state_team_keeps_a_resource_to_itself_until_it_shares_it(
        client_as, member, other_member, facilitator, staff, network, community):
    colleague = factories.make_user(network.seas["AZ"], "az.colleague@example.org")
    factories.add_to(community, colleague, "member")
    add_files(client_as(member), SLUG, [("draft plan.pdf", pdf_bytes())], audience="state")
    resource = only_resource()
    assert resource.audience is Audience.STATE
    for person, status in ((colleague, 200), (staff, 200), (other_member, 404),
                           (facilitator, 404)):
        assert client_as(person).get(f"/library/{resource.id}").status_code == status, person
        assert client_as(person).get(
            f"/library/{resource.id}/download").status_code == status, person
    assert "draft plan" not in client_as(other_member).get(
        f"/communities/{SLUG}/library").text
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {colleague.id}

    assert client_as(other_member).post(f"/library/{resource.id}/share").status_code == 404
    assert client_as(colleague).post(f"/library/{resource.id}/share").status_code == 302
    assert client_as(other_member).get(f"/library/{resource.id}").status_code == 200
    assert other_member.id in set(db.session.scalars(select(Notification.user_id)))


def test_facilitators_publish_to_the_network_and_the_public_page(
        client_as, member, facilitator, outsider, community):
    add_files(client_as(member), SLUG, [("toolkit.pdf", pdf_bytes())], title="SDI toolkit")
    resource = only_resource()
    assert client_as(outsider).get(f"/library/{resource.id}").status_code == 404
    assert client_as(member).post(f"/library/{resource.id}/network",
                                  data={"published": "1"}).status_code == 403
    assert client_as(facilitator).post(f"/library/{resource.id}/network",
                                       data={"published": "1"}).status_code == 302
    assert "SDI toolkit" in client_as(outsider).get("/library").text
    assert client_as(outsider).get(f"/library/{resource.id}/download").status_code == 200
    visitor = client_as(None)
    assert visitor.get(f"/library/{resource.id}").status_code == 404
    assert "SDI toolkit" not in visitor.get("/library").text

    assert client_as(facilitator).post(f"/library/{resource.id}/public",
                                       data={"public": "1"}).status_code == 302
    assert visitor.get(f"/library/{resource.id}/download").status_code == 200
    assert "SDI toolkit" in visitor.get(f"/communities/{SLUG}").text
    page = visitor.get(f"/library/{resource.id}")  # its page too, with nothing to flag
    assert page.status_code == 200 and "Flag this resource" not in page.text


def test_a_withdrawn_state_loses_the_library_but_not_what_was_published(
        client_as, member, facilitator, community):
    add_files(client_as(facilitator), SLUG, [("inside.pdf", pdf_bytes("in"))])
    add_files(client_as(facilitator), SLUG, [("published.pdf", pdf_bytes("out"))])
    inside, published = db.session.scalars(select(Resource).order_by(Resource.id)).all()
    client_as(facilitator).post(f"/library/{published.id}/network", data={"published": "1"})
    db.session.scalar(select(CommunityOrganization).where(
        CommunityOrganization.community_id == community.id,
        CommunityOrganization.organization_id == member.organization_id)).withdrawn_at = utcnow()
    db.session.commit()
    client = client_as(member)
    assert client.get(f"/library/{inside.id}").status_code == 404
    assert client.get(f"/library/{inside.id}/download").status_code == 404
    assert client.get(f"/communities/{SLUG}/library").status_code == 404
    assert client.get(f"/library/{published.id}/download").status_code == 200


def test_previews_are_made_after_the_upload_not_during_it(client_as, member, other_member):
    add_files(client_as(member), SLUG, [("chart.png", png_bytes())])
    resource = only_resource()
    stored = resource.current_version.file
    assert stored.preview_state is PreviewState.PENDING
    assert client_as(other_member).get(f"/library/{resource.id}/preview").status_code == 404
    assert run_jobs() >= 1
    db.session.refresh(stored)
    assert stored.preview_state is PreviewState.READY
    preview = client_as(other_member).get(f"/library/{resource.id}/preview")
    assert preview.status_code == 200 and preview.data[8:12] == b"WEBP"
    inline = client_as(other_member).get(f"/library/{resource.id}/view")
    assert inline.headers["Content-Disposition"].startswith("inline")


def test_a_pdf_gets_its_first_page_as_a_preview_and_a_docx_keeps_its_icon(
        client_as, member):
    add_files(client_as(member), SLUG, [("report.pdf", pdf_bytes())])
    run_jobs()
    assert only_resource().current_version.file.preview_state is PreviewState.READY


def test_filters_and_sorting(client_as, member, other_member, facilitator, community):
    session = factories.make_session(community, facilitator, starts_at=utcnow(), number=3,
                                     title="Family engagement")
    add_files(client_as(member), SLUG, [("a.pdf", pdf_bytes("a"))], type="template",
              tags="Family engagement", state_codes=["AZ"], session_id=str(session.id))
    add_files(client_as(other_member), SLUG, [("b.pdf", pdf_bytes("b"))], type="brief",
              tags="assessment")
    reader = client_as(facilitator)
    base = f"/communities/{SLUG}/library"
    assert _titles(reader.get(f"{base}?type=template")) == ["a"]
    assert _titles(reader.get(f"{base}?tag=family+engagement")) == ["a"]
    assert _titles(reader.get(f"{base}?state=AZ")) == ["a"]
    assert _titles(reader.get(f"{base}?session={session.id}")) == ["a"]
    assert _titles(reader.get(f"{base}?author={other_member.id}")) == ["b"]
    b = db.session.scalar(select(Resource).where(Resource.title == "b"))
    reader.get(f"/library/{b.id}/download")
    assert _titles(reader.get(f"{base}?sort=downloads")) == ["b", "a"]
    nothing = reader.get(f"{base}?type=recording")
    assert "Nothing matches these filters" in nothing.text


def _titles(page) -> list[str]:
    import re

    return re.findall(r'class="workspace-resource-card__title"><a class="usa-link" '
                      r'href="/library/\d+">([^<]+)</a>', page.text)


def test_the_library_page_costs_the_same_queries_for_3_and_60_resources(
        client_as, facilitator, member, community, queries):
    def add(count: int) -> None:
        for index in range(count):
            resource = Resource(community=community, title=f"R{index}", type="tool",
                                author=member, organization_id=member.organization_id)
            db.session.add(resource)
            db.session.flush()
            digest = f"{index:064x}"
            if db.session.get(StoredFile, digest) is None:
                db.session.add(StoredFile(digest=digest, size=10, media_type="application/pdf",
                                          kind="pdf"))
            for number in (1, 2):
                version = ResourceVersion(resource=resource, number=number, digest=digest,
                                          filename="r.pdf", author=member)
                db.session.add(version)
                db.session.flush()
                resource.current_version = version
        db.session.commit()

    client = client_as(facilitator)
    add(3)
    client.get(f"/communities/{SLUG}/library")
    with queries() as few:
        assert client.get(f"/communities/{SLUG}/library").status_code == 200
    add(57)
    client.get(f"/communities/{SLUG}/library")
    with queries() as many:
        assert client.get(f"/communities/{SLUG}/library").status_code == 200
    assert many.count == few.count, set(many.statements) ^ set(few.statements)


def test_collections_gather_resources_in_order(client_as, facilitator, member, observer,
                                               outsider):
    add_files(client_as(member), SLUG, [("one.pdf", pdf_bytes("1")), ("two.pdf", pdf_bytes("2"))])
    one, two = db.session.scalars(select(Resource).order_by(Resource.id)).all()
    assert client_as(observer).get(
        f"/communities/{SLUG}/library/collections/new").status_code == 403
    client = client_as(facilitator)
    made = client.post(f"/communities/{SLUG}/library/collections/new",
                       data={"title": "The SDI toolkit"})
    assert made.status_code == 302
    address = made.headers["Location"]
    for resource in (one, two):
        client.post(f"/library/{resource.id}/collections",
                    data={"collection": address.rsplit("/", 1)[1]})
    saved = client.post(f"{address}/edit", data={
        "title": "The SDI toolkit", "order_id": [one.id, two.id], "order_place": ["2", "1"]})
    assert saved.status_code == 302, saved.text
    assert _titles(client_as(observer).get(address)) == ["two", "one"]
    # Published to the network, it names its collection to others, without a link they
    # couldn't open (the collection's page is the community's).
    client.post(f"/library/{one.id}/network", data={"published": "1"})
    page = client_as(outsider).get(f"/library/{one.id}").text
    assert "The SDI toolkit" in page and address.split("localhost", 1)[-1] not in page
    assert address.split("localhost", 1)[-1] in client_as(observer).get(f"/library/{one.id}").text


def test_a_discussion_is_one_forum_topic_linked_both_ways(client_as, member, other_member):
    add_files(client_as(member), SLUG, [("plan.pdf", pdf_bytes())], title="Plan template")
    resource = only_resource()
    first = client_as(other_member).post(f"/library/{resource.id}/discussion")
    second = client_as(member).post(f"/library/{resource.id}/discussion")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 1
    page = client_as(member).get(f"/library/{resource.id}")
    assert "Discussing: Plan template" in page.text


def test_a_flagged_resource_is_hidden_from_the_queue(client_as, member, other_member,
                                                     facilitator):
    add_files(client_as(member), SLUG, [("plan.pdf", pdf_bytes())])
    resource = only_resource()
    assert client_as(member).get(f"/library/{resource.id}/flag").status_code == 403
    answer = client_as(other_member).post(f"/library/{resource.id}/flag",
                                          data={"reason": "It has student names in it."})
    assert answer.status_code == 302
    flag = db.session.scalar(select(Flag))
    hidden = client_as(facilitator).post(
        f"/communities/{SLUG}/moderation/flags/{flag.id}/hide",
        data={"reason": "Student information."})
    assert hidden.status_code == 302
    assert client_as(other_member).get(f"/library/{resource.id}/download").status_code == 404
    assert client_as(member).get(f"/library/{resource.id}").status_code == 200


@pytest.mark.parametrize("limit", [1024])
def test_an_upload_over_the_limit_gets_a_clear_413(app, client_as, member, limit):
    app.config["UPLOAD_MAX_BYTES"] = limit
    client = client_as(member)
    raw = upload(client, SLUG, "big.pdf", b"%PDF-" + b"0" * 4096)
    assert raw.status_code == 413 and "big.pdf" in raw.get_json()["error"]
    form = {"source": "files", "type": "tool",
            "files": [(io.BytesIO(b"%PDF-" + b"0" * (2 * 1024 * 1024)), "huge.pdf")]}
    page = client.post(f"/communities/{SLUG}/library/new", data=form,
                       content_type="multipart/form-data")
    assert page.status_code == 413 and "larger than the workspace accepts" in page.text
    assert db.session.scalar(select(func.count()).select_from(Resource)) == 0


def test_deleting_takes_it_out_of_every_list(client_as, member, other_member):
    add_files(client_as(member), SLUG, [("plan.pdf", pdf_bytes())], title="Old plan")
    resource = only_resource()
    assert client_as(other_member).post(f"/library/{resource.id}/delete").status_code == 403
    assert client_as(member).post(f"/library/{resource.id}/delete").status_code == 302
    assert client_as(other_member).get(f"/library/{resource.id}").status_code == 404
    assert "Old plan" not in client_as(other_member).get(f"/communities/{SLUG}/library").text

