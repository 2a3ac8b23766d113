"""The library's services and rules where the pages alone don't show them."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from tests.resources.conftest import pdf_bytes
from workspace import errors
from workspace.files.catalog import remember
from workspace.files.intake import receive_bytes
from workspace.files.storage import storage
from workspace.policy import resources as resource_policy
from workspace.resources import service, summaries


def _upload(name: str) -> service.Upload:
    received = receive_bytes(pdf_bytes(name), name, storage=storage())
    return service.Upload(file=remember(received), filename=received.filename)


def test_a_summary_page_takes_no_file_version(community, facilitator):
    page = summaries.publish(facilitator, community, "What we learned", "States shared.")
    with pytest.raises(errors.Invalid, match="no file"):
        service.add_version(facilitator, page, _upload("summary.pdf"), "A PDF of it")
    assert page.is_page and not page.versions


def test_a_visitor_may_see_a_public_resource_but_not_flag_it(community, member, facilitator):
    added = service.add_resources(member, community,
                                  service.Details(title="Rubric", type="tool"),
                                  uploads=[_upload("rubric.pdf")])[0]
    service.make_public(facilitator, added, True)
    visitor = AnonymousUserMixin()
    assert resource_policy.may_see_resource(visitor, added)
    assert not resource_policy.may_flag_resource(visitor, added)
