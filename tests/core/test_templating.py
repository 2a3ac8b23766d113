import re
from datetime import UTC, datetime

from flask_login import login_user

from workspace.extensions import db
from workspace.templating import local_time

MOMENT = datetime(2026, 1, 15, 17, 30, tzinfo=UTC)


def test_each_reader_sees_times_in_their_own_zone(app, member, other_member):
    # Time zones are cached by name only: whoever read before, each person gets their own.
    member.time_zone, other_member.time_zone = "America/Phoenix", "America/New_York"
    db.session.commit()
    seen = []
    for person in (member, other_member, member, None):
        with app.app_context(), app.test_request_context():  # a request of its own, as served
            if person is not None:
                login_user(person)
            seen.append(local_time(MOMENT))
    assert seen == ["January 15, 2026 10:30 AM MST", "January 15, 2026 12:30 PM EST",
                    "January 15, 2026 10:30 AM MST", "January 15, 2026 12:30 PM EST"]


def test_an_unknown_stored_zone_shows_the_network_zone(app, member):
    member.time_zone = "Mars/Olympus_Mons"
    db.session.commit()
    with app.test_request_context():
        login_user(member)
        assert local_time(MOMENT) == local_time(MOMENT) == "January 15, 2026 12:30 PM EST"


def test_machine_times_have_at_most_three_fractional_digits():
    from datetime import date

    from workspace.templating import machine_time

    precise = datetime(2026, 11, 29, 12, 38, 54, 261132, tzinfo=UTC)
    assert machine_time(precise) == "2026-11-29T12:38:54Z"
    assert machine_time(date(2019, 5, 3)) == "2019-05-03"
    assert machine_time(None) == ""


# HTML allows at most three fractional second digits in a <time datetime> value.
VALID_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$")


def test_pages_carry_valid_time_values_and_no_dangling_descriptions(client_as, staff, member,
                                                                    community):
    from workspace.announcements.models import Announcement
    from workspace.database import utcnow

    db.session.add(Announcement(title="Welcome", body="Hello", body_html="<p>Hello</p>",
                                author_id=staff.id, published_at=utcnow()))
    db.session.commit()
    pages = {staff: ["/news/", "/news/manage", "/people", "/account", "/account/password",
                     "/communities/new", f"/communities/{community.slug}/edit",
                     "/news/new", "/communities/"],
             member: ["/account", "/notifications/", f"/communities/{community.slug}"]}
    for person, paths in pages.items():
        client = client_as(person)
        for path in paths:
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200, path
            html = response.get_data(as_text=True)
            assert 'aria-describedby="None"' not in html, path
            assert 'aria-describedby=""' not in html, path
            for value in re.findall(r'<time datetime="([^"]*)"', html):
                assert VALID_DATETIME.match(value), (path, value)


def test_excerpts_keep_words_of_list_items_and_paragraphs_apart():
    from workspace.templating import excerpt
    from workspace.text import render_markdown

    html = render_markdown("Join us.\n\n- Bring your reporting questions\n- Read the purpose first")
    assert excerpt(html) == "Join us. Bring your reporting questions Read the purpose first"
    assert excerpt(html, 20) == "Join us. Bring your…"


def test_every_page_has_the_identifier_with_privacy_and_contact(client):
    html = client.get("/").get_data(as_text=True)
    assert "usa-identifier" in html
    assert 'href="/privacy"' in html and "mailto:help@cop-workspace.example.org" in html
    assert "Run by the State Support Network" in html
    privacy = client.get("/privacy")
    assert privacy.status_code == 200 and "What we keep" in privacy.get_data(as_text=True)


def test_templates_remember_addresses_only_where_they_cannot_differ(app):
    template_url_for = app.jinja_env.globals["url_for"]
    from flask import url_for  # noqa: PLC0415

    cases = [("home.index", {}), ("static", {"filename": "css/workspace.css"}),
             ("communities.show", {"slug": "az-p2p"}),
             ("auth.sign_in", {"next": "/communities/?page=2"}),
             ("communities.show", {"slug": "az-p2p", "_anchor": "members"})]
    for script_root in ("", "/cop"):
        with app.test_request_context("/", base_url=f"http://localhost{script_root}"):
            for _ in range(2):  # built, then remembered
                for endpoint, values in cases:
                    expected = url_for(endpoint, **values)
                    assert expected.startswith(script_root + "/")
                    assert template_url_for(endpoint, **values) == expected
            # A full address is never remembered as a path, nor a path as a full address.
            assert template_url_for("home.index", _external=True) == "http://localhost" + (
                script_root + "/")
