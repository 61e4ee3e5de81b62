"""The main menu offers what the person can open: every link in it answers 200 for them. The
platform operator may open a grid worker's pages by right but has no grid, so those are not in
their menu; a grid worker's menu has them."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from tests.referrals.helpers import Person

GRID_PAGES = {"/grid/new", "/grid", "/grid/daily"}


async def menu_links(client: TestClient, username: str) -> list[str]:
    person = await Person.login(client, username)
    status, body = await person.get("/")
    assert status == 200
    nav = re.search(r'<nav id="mainnav"[^>]*>(.*?)</nav>', body.decode(), re.S)
    assert nav is not None
    return re.findall(r'<a href="([^"]+)"', nav.group(1))


@pytest.mark.parametrize(
    ("username", "grid_pages"),
    [("admin", False), ("liaison_ps01", False), ("grid_worker01", True)],
)
async def test_every_link_in_the_menu_opens_for_the_person(
    client: TestClient, username: str, grid_pages: bool
) -> None:
    links = await menu_links(client, username)
    assert len(links) >= 4, links
    assert GRID_PAGES & set(links) == (GRID_PAGES if grid_pages else set()), links
    refused = []
    for href in links:
        response = await client.get(href, allow_redirects=False)
        await response.read()
        if response.status != 200:
            refused.append(f"{href}: {response.status}")
    assert not refused, f"{username}'s menu: {refused}"
