"""Uploads are limited per person, so a script gone wrong can't fill the disk."""

from __future__ import annotations

import pytest

from tests.resources.conftest import pdf_bytes, upload

SLUG = "school-improvement-p2p"
@pytest.fixture
def app_settings(app_settings):
    return {**app_settings, "RATELIMIT_ENABLED": True, "UPLOAD_RATE_LIMIT": "2 per hour"}


def test_each_person_uploads_at_a_bounded_rate(client_as, member, other_member):
    client = client_as(member)
    for number in range(2):
        assert upload(client, SLUG, f"{number}.pdf", pdf_bytes(str(number))).status_code == 201
    refused = upload(client, SLUG, "3.pdf", pdf_bytes("3"))
    assert refused.status_code == 429 and refused.get_json()["error"]
    assert upload(client_as(other_member), SLUG, "4.pdf", pdf_bytes("4")).status_code == 201
