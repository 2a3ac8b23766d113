"""The catalogue: what its state filters mean, and a page of cards at a time."""

from __future__ import annotations

import re

from tests import factories
from workspace.communities.models import Community, CommunityOrganization
from workspace.database import utcnow
from workspace.extensions import db


def _cards(html: str) -> list[str]:
    """The community slugs the page shows as cards, in order."""
    return re.findall(r'<h3 class="usa-card__heading"><a[^>]*href="/communities/([^"]+)"', html)


def _sentence(html: str) -> str:
    """The result count sentence, tags stripped and spaces tidied."""
    match = re.search(r'<div role="status" class="workspace-result-count">\s*<p>(.*?)</p>',
                      html, re.S)
    assert match, "the page has no result count"
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


# --- What the state filters mean ------------------------------------------------------------

def test_the_state_filter_says_it_means_taking_part(client, network, community,
                                                    recruiting_community):
    html = _page(client, "/communities/?state=AZ")
    assert 'for="filter-state">State taking part</label>' in html
    assert "take part in now" in html  # the hint says what it filters
    assert _sentence(html) == "2 communities Arizona takes part in."
    assert set(_cards(html)) == {community.slug, recruiting_community.slug}
    assert "Taking part: Arizona" in html

    texas = _page(client, "/communities/?state=TX")
    assert _sentence(texas) == "0 communities Texas takes part in."
    # Where Texas takes part in nothing, the page points at what it could join instead.
    assert 'href="/communities/?open_to=TX">recruiting communities open to Texas</a>' in texas


def test_texas_sees_the_recruiting_communities_open_to_it(client_as, network, community,
                                                          recruiting_community, outsider):
    joined = factories.make_community(network, participants=["AZ", "TX"], slug="tx-joined",
                                      status="recruiting")
    private = factories.make_community(network, participants=["AZ"], slug="private-recruiting",
                                       status="recruiting")
    private.is_public = False
    left = factories.make_community(network, participants=["TX"], slug="tx-withdrew",
                                    status="recruiting")
    db.session.scalar(db.select(CommunityOrganization).where(
        CommunityOrganization.community_id == left.id)).withdrawn_at = utcnow()
    db.session.commit()
    texan = client_as(outsider)

    catalogue = _page(texan, "/communities/")
    assert re.search(r'<a class="usa-button usa-button--outline" href="/communities/\?open_to=TX"'
                     r'[^>]*>Open to my state</a>', catalogue)
    assert "Recruiting communities Texas's agency could ask to join." in catalogue

    html = _page(texan, "/communities/?open_to=TX")
    assert set(_cards(html)) == {recruiting_community.slug, left.slug}
    assert joined.slug not in _cards(html) and community.slug not in _cards(html)
    assert _sentence(html) == "2 recruiting communities open to Texas."
    assert 'for="filter-open-to">Open to a state</label>' in html
    assert '<option value="TX" selected>Texas</option>' in html
    assert "Open to: Texas" in html
    assert _cards(_page(texan, "/communities/?state=TX")) == [joined.slug]


def test_anyone_may_choose_a_state_to_see_what_is_open_to_it(client_as, client, network,
                                                             recruiting_community, member,
                                                             facilitator):
    html = _page(client, "/communities/?open_to=tx&q=data")
    assert _cards(html) == [recruiting_community.slug]
    assert _sentence(html) == "1 recruiting community open to Texas matching your other filters."
    # Arizona takes part already; a state code no agency has is open to nothing.
    assert _cards(_page(client, "/communities/?open_to=AZ")) == []
    assert _cards(_page(client, "/communities/?open_to=ZZ")) == []
    # "Open to my state" is for people of a state agency: not visitors, not partners.
    for viewer in (client, client_as(facilitator)):
        assert "Open to my state" not in _page(viewer, "/communities/")
    assert 'href="/communities/?open_to=AZ"' in _page(client_as(member), "/communities/")


def test_the_home_pages_state_tiles_read_as_the_filter_they_open(client, network, community,
                                                                  recruiting_community):
    home = _page(client, "/")
    tile = re.search(r'<a class="workspace-state-tile" href="([^"]+)">(.*?)</a>', home, re.S)
    assert tile
    href, text = tile.groups()
    assert " ".join(re.sub(r"<[^>]+>", " ", text).split()) == (
        "Arizona takes part in 2 communities")
    assert href == "/communities/?state=AZ"
    assert _sentence(_page(client, href)) == "2 communities Arizona takes part in."


# --- Paging ---------------------------------------------------------------------------------

def _many(network: factories.Network, count: int, **kwargs: str) -> list[Community]:
    return [factories.make_community(network, participants=["AZ"], slug=f"exchange-{n:02d}",
                                     title=f"Exchange {n:02d}", **kwargs)
            for n in range(count)]


def test_the_catalogue_comes_a_page_at_a_time(client, network):
    made = _many(network, 30)
    first = _page(client, "/communities/")
    assert len(_cards(first)) == 12
    assert _sentence(first) == "30 communities. Page 1 of 3."
    assert '<nav aria-label="Pagination" class="usa-pagination">' in first
    last = _page(client, "/communities/?page=3")
    assert _sentence(last) == "30 communities. Page 3 of 3."
    seen = _cards(first) + _cards(_page(client, "/communities/?page=2")) + _cards(last)
    assert sorted(seen) == sorted(c.slug for c in made)  # each once, none lost between pages
    # A page past the end (an old link) shows the last page rather than nothing.
    assert _cards(_page(client, "/communities/?page=9")) == _cards(last)
    assert "Pagination" not in _page(client, "/communities/?q=exchange+01")


def test_page_links_keep_the_filters(client, network):
    _many(network, 14)
    _many_texas = [factories.make_community(network, participants=["TX"], slug=f"tx-{n}")
                   for n in range(3)]
    html = _page(client, "/communities/?q=exchange&kind=p2p&status=in_progress&state=AZ"
                         "&topic=school+improvement")
    assert _sentence(html) == ("14 communities Arizona takes part in matching your other "
                               "filters. Page 1 of 2.")
    links = set(re.findall(r'href="(/communities/\?[^"]*page=2[^"]*)"', html))
    assert links, "no link to page 2"
    for link in links:
        for arg in ("q=exchange", "kind=p2p", "status=in_progress", "state=AZ",
                    "topic=school+improvement"):
            assert arg in link.replace("&amp;", "&"), (arg, link)
    second = _page(client, links.pop().replace("&amp;", "&"))
    assert len(_cards(second)) == 2
    assert not set(_cards(second)) & {c.slug for c in _many_texas}

    open_to = _page(client, "/communities/?open_to=TX")
    assert _cards(open_to) == []  # none of these is recruiting


def test_a_topic_filter_is_counted_and_paged_like_the_others(client, network):
    _many(network, 13)
    other = factories.make_community(network, participants=["AZ"], slug="other-topic")
    other.topics = ["data use"]
    db.session.commit()
    html = _page(client, "/communities/?topic=school+improvement")
    assert _sentence(html) == "13 communities matching your filters. Page 1 of 2."
    assert _cards(_page(client, "/communities/?topic=data+use")) == ["other-topic"]


def test_a_page_costs_the_same_queries_for_few_communities_or_many(app, client_as, network,
                                                                  outsider, queries):
    def cost(path: str) -> int:
        viewer = client_as(outsider)
        with queries() as counted:
            assert viewer.get(path).status_code == 200
        return counted.count

    _many(network, 2, status="recruiting")
    few = {path: cost(path) for path in ("/communities/", "/communities/?topic=school+improvement",
                                         "/communities/?state=AZ&open_to=TX")}
    _many_more = [factories.make_community(network, participants=["AZ", "GA"],
                                           slug=f"more-{n:02d}", status="recruiting")
                  for n in range(38)]
    for path, count in few.items():
        assert cost(path) == count, path  # 40 communities on 4 pages: page 1 ...
        assert cost(path + ("&" if "?" in path else "?") + "page=3") == count, path  # ... and 3
