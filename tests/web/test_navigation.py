"""Navigation by role (issue 13): nobody is shown a link to a page they may not open. The menu
comes from the rules the pages keep (kesu.core.access, the administration's gate), so for every
person of the demo organisation each link of the header opens, and each page left out of their
header refuses them."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from kesu.ops.demo import PEOPLE

# Every page a header may link to, beyond the ones everybody opens.
GATED = {"/dashboard/", "/penalties/", "/discipline/", "/reports/", "/policy/", "/calendar/", "/admin/"}
NAV = re.compile(r'<header class="top">.*?<nav>(.*?)</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')


def header_links(html: str) -> list[str]:
    nav = NAV.search(html)
    assert nav, "the page has no header navigation"
    return HREF.findall(nav.group(1))


@pytest.fixture
def signed_in(p1, people):
    def client_for(login: str) -> Client:
        client = Client()
        client.force_login(people[login])
        return client

    return client_for


@pytest.mark.django_db
@pytest.mark.parametrize("login", [p.username for p in PEOPLE])
def test_every_link_in_a_persons_header_opens_and_every_page_left_out_refuses_them(signed_in, login):
    client = signed_in(login)
    links = header_links(client.get("/queue/").content.decode())
    assert "/queue/" in links and "/register/" in links
    inside: set[str] = set()
    for href in links:  # on every page the header shows, the same links
        response = client.get(href)
        assert response.status_code == 200, f"{login}: {href} answered {response.status_code}"
        page = response.content.decode()
        if NAV.search(page):
            assert header_links(page) == links, f"{login}: {href} shows another menu"
            inside |= {unescape(h) for h in HREF.findall(page.split("<main>", 1)[-1]) if h.startswith("/")}
    for href in sorted(inside):  # and every link those pages hold opens too (none into the admin for a manager)
        response = client.get(href)
        assert response.status_code == 200, f"{login}: {href} (linked on a page) answered {response.status_code}"
    for href in GATED - set(links):
        response = client.get(href)
        assert response.status_code in (302, 403), f"{login}: {href} is not linked but answered {response.status_code}"


@pytest.mark.django_db
def test_the_roles_see_the_pages_their_work_needs(signed_in):
    def menu(login: str) -> set[str]:
        return set(header_links(signed_in(login).get("/queue/").content.decode())) & GATED

    assert menu("wangkf") == set()  # the CS agent: queue, registration, approvals, notices
    assert menu("zhoujl") == {"/dashboard/", "/penalties/", "/discipline/", "/reports/", "/policy/", "/calendar/"}
    assert menu("lijl") == {"/reports/"}  # a department manager: their department's report
    assert menu("churs") >= {"/penalties/", "/discipline/"} and "/policy/" not in menu("churs")
    assert menu("qianyg") == set()  # front-line staff, though every demo account is is_staff
    assert menu("admin") >= {"/policy/", "/calendar/", "/admin/"} and "/penalties/" not in menu("admin")


@pytest.mark.django_db
def test_the_current_page_is_marked_in_the_menu(signed_in):
    page = signed_in("zhoujl").get("/dashboard/").content.decode()
    assert re.search(r'<a href="/dashboard/" aria-current="page">', page)
