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
