"""Every demo role walks its pages in Chromium, in Chinese and in English: no page shows a raw code
(``snake_case``, ``FREQ=``, an ISO timestamp; in Chinese, no English word outside a short list of
names; in English, no Chinese in the page's own words: headings, labels, buttons, table heads,
the menu) and axe finds no serious or critical accessibility violation.

One test per role, so pytest-xdist's workers share the roles. Each role logs in once and walks in
Chinese from the dashboard, following same-origin links (the menu and the main links of each page),
breadth first, one page per kind of address (``/cases/12`` and ``/cases/13`` are one kind), at most
``PER_ROLE`` kinds. Then, in the same browser context with the language cookie switched, it shows
the same pages in English. axe runs once per kind of address and language in the whole run (the
same template gives the same structure whoever reads it): the first role to reach a kind claims it
with a file in the run's shared temporary folder. Downloads, logout, the API and the live video
room (tested in test_video_room.py) are left out.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page

from hub.config import Config
from hub.db import Database
from hub.demo import run_demo
from hub.demo_data import USERS
from hub.orm import utcnow
from tests.support.browser import chromium, log_in
from tests.support.server import serve_in_process

pytestmark = pytest.mark.browser

PER_ROLE = 12  # kinds of page per role
# WCAG A and AA rules only: the failing impacts (serious, critical) are theirs, and the best-practice
# rules double axe's time.
AXE_OPTIONS = {"resultTypes": ["violations"], "runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
SKIP = re.compile(
    r"^/(logout|api/|static/|events|healthz)|/room\b|/join\b|\.(pdf|csv|xlsx|ics|zip|docx?)$|/download\b"
)
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
URL_OR_MAIL = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# English a Chinese page may show: file formats, product and protocol names, units, the language
# switch. Names of people and places are Chinese in the demo; user names and codes are matched
# below.
ALLOWED_WORDS = {
    "PDF", "CSV", "Excel", "API", "ID", "SMS", "QR", "URL", "HTTP", "HTTPS", "English", "MB", "KB",
    "GB", "IP", "JSON", "WebRTC", "TURN", "RRULE", "OK", "E-mail", "Email", "email", "Webhook",
    "webhook", "HMAC", "SHA", "iCalendar", "ics", "Bearer", "Authorization", "token", "Token",
    "Apple", "Google", "Outlook", "Thunderbird", "Word", "WPS",
}  # fmt: skip
CODE_LIKE = re.compile(
    r"^(?:[A-Z]{1,6}\d*(?:-[A-Z0-9]+)*|[0-9a-f]{6,}|[A-Z][a-z]?\d+|x|h)$"  # SR01, PS01-2026-3, hashes
)


def usernames() -> set[str]:
    return {u.username for u in USERS}


def kind_of(path: str) -> str:
    return re.sub(r"/\d+", "/{n}", path)


def raw_codes(text: str, chinese: bool, names: set[str]) -> list[str]:
    found = [m for m in SNAKE.findall(text) if m not in names]
    found += ISO.findall(text)
    if "FREQ=" in text:
        found.append("FREQ=")
    if chinese:
        # user names, addresses and links are what they are in any language
        text = SNAKE.sub(lambda m: " " if m.group() in names else m.group(), text)
        text = URL_OR_MAIL.sub(" ", text)
        for word in WORD.findall(text):
            if word in ALLOWED_WORDS or word in names or CODE_LIKE.match(word):
                continue
            found.append(word)
    return found


# The page's own words, which English pages must give in English: what the user reads may hold
# Chinese names, summaries and places, but the menu, the headings of forms and tables, labels and
# buttons are the templates' words. A label's choices (a select's options: agencies, areas) are
# data, and so is what is marked as another language (the language switch).
OWN_WORDS = "nav a, th, button, legend, summary, dt, label:not(:has(input[type=checkbox], input[type=radio]))"
TEXTS = """els => els.filter(e => !e.closest('[lang]:not(html)')).map(e => {
  const copy = e.cloneNode(true);
  copy.querySelectorAll('select, textarea, datalist, [lang]').forEach(x => x.remove());
  return copy.textContent;
})"""
CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]+")


def untranslated(texts: list[str]) -> list[str]:
    return [m for text in texts for m in CJK.findall(text)]


async def links_of(page: Page, base: str) -> list[str]:
    hrefs: list[str] = await page.eval_on_selector_all(
        "a[href]:not([download])", "els => els.map(e => e.getAttribute('href'))"
    )
    out = []
    for href in hrefs:
        url = urljoin(page.url, href)
        parts = urlsplit(url)
        if not url.startswith(base) or SKIP.search(parts.path):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


class Claims:
    """Which (kind of page, language) pairs axe has run on in this pytest run, shared by the
    xdist workers: a claim is a file created exclusively in the run's common temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def take(self, kind: str, locale: str) -> bool:
        name = hashlib.sha256(f"{locale} {kind}".encode()).hexdigest()[:16]
        try:
            os.close(os.open(self.folder / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True


class Walk:
    def __init__(self, base: str, browser: Browser, claims: Claims) -> None:
        self.base = base
        self.browser = browser
        self.claims = claims
        self.axe = Axe()
        self.axe_runs = 0
        self.problems: list[str] = []
        self.pages = 0
        self.names = usernames()
        # A superuser's menu holds every page, some of which need a grid of one's own (403).
        self.superusers = {u.username for u in USERS if u.is_superuser}

    def problem(self, text: str) -> None:
        print(text)  # as found: a slow walk shows its findings early with -s
        self.problems.append(text)

    async def role(self, username: str) -> None:
        """Log in once; walk in Chinese; then, with the language cookie switched, show the same
        pages in English."""
        context = await self.browser.new_context()
        page = await context.new_page()
        await log_in(page, self.base, username)
        await context.add_cookies([{"name": "gt_lang", "value": "zh_CN", "url": self.base}])
        shown = await self.crawl(page, username)
        await context.add_cookies([{"name": "gt_lang", "value": "en", "url": self.base}])
        for path in shown:
            await self.check(page, username, "en", path)
        await context.close()

    async def crawl(self, page: Page, username: str) -> list[str]:
        """Breadth first from the dashboard, one page per kind, at most PER_ROLE; the pages shown."""
        kinds: set[str] = set()
        queue, queued, shown = deque(["/"]), {"/"}, []
        while queue and len(kinds) < PER_ROLE:
            path = queue.popleft()
            kind = kind_of(urlsplit(path).path)
            if kind in kinds:
                continue
            kinds.add(kind)
            if await self.check(page, username, "zh_CN", path):
                shown.append(path)
                for link in await links_of(page, self.base):
                    if link not in queued:
                        queued.add(link)
                        queue.append(link)
        return shown

    async def check(self, page: Page, username: str, locale: str, path: str) -> bool:
        """Visit one page and note what is wrong with it; False when it is not there to read."""
        response = await page.goto(self.base + path)
        self.pages += 1
        where = f"{username} {locale} {path}"
        status = response.status if response is not None else 0
        if status == 403 and username in self.superusers:
            return False
        if not 200 <= status < 400:
            self.problem(f"{where}: status {status}")
            return False
        chinese = locale == "zh_CN"
        codes = raw_codes(await page.inner_text("body"), chinese, self.names)
        if not chinese:
            codes += untranslated(await page.eval_on_selector_all(OWN_WORDS, TEXTS))
        if codes:
            self.problem(f"{where}: raw text {sorted(set(codes))[:12]}")
        if self.claims.take(kind_of(urlsplit(path).path), locale):
            self.axe_runs += 1
            results = await self.axe.run(page, options=AXE_OPTIONS)
            for v in results.response["violations"]:
                if v["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in v["nodes"]][:3]
                    self.problem(f"{where}: axe {v['id']} ({v['impact']}) {targets}")
        return True


LOGINS = [u.username for u in USERS if u.note]  # the demo's logins (hub.demo._add_logins)


async def test_the_demo_lists_each_login_once(config: Config) -> None:
    db = Database(config.database_url)
    try:
        logins = [x.username for x in (await run_demo(db, utcnow())).logins]
    finally:
        await db.dispose()
    assert len(logins) == len(set(logins)), "the demo's login list names someone twice"
    assert logins == LOGINS


@pytest.fixture
def claims(tmp_path_factory: pytest.TempPathFactory) -> Claims:
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return Claims(shared / "page-walk-axe")


@pytest.mark.parametrize("username", LOGINS)
async def test_every_role_walks_its_pages_without_raw_codes_or_serious_axe_violations(
    config: Config, claims: Claims, username: str
) -> None:
    started = time.monotonic()
    async with serve_in_process(config) as base, chromium() as browser:
        walk = Walk(base, browser, claims)
        await walk.role(username)
    took = time.monotonic() - started
    print(f"page walk: {username}, {walk.pages} pages, {walk.axe_runs} axe runs, {took:.1f} s")
    assert not walk.problems, "\n".join(walk.problems)
