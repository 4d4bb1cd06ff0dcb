"""axe-core finds nothing on any page: every GET route of the route matrix (tests/app/test_access.py), opened
on a phone by each kind of person allowed to see it (signed out, a resident, a trainer, an official, an
admin), checked against WCAG 2.0 and 2.1 A and AA and axe's best practices.

axe-core is not a Python package: it comes from the npm registry, locked with its integrity hash in
tests/browser/package-lock.json and installed by `npm ci --prefix tests/browser --ignore-scripts` (the
README's test command and .ci/run). Without it the test is skipped, unless ELEARN_REQUIRE_BROWSER=1 (CI).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.app.test_access import ALLOWED, _browser, get_pages, world  # noqa: F401  (world is a fixture)
from tests.browser.conftest import copy_cookies, open_phone

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
ACTORS = ("anonymous", "resident", "trainer_here", "official_here", "admin")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        reason = f"{AXE} is missing: run `npm ci --prefix tests/browser --ignore-scripts`"
        if os.environ.get("ELEARN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} (ELEARN_REQUIRE_BROWSER=1, so this is a failure, not a skip)", pytrace=False)
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


def get_paths(app, world, actor: str) -> list[str]:
    """The GET routes `actor` may open, with the world's values in their URLs, and the error page."""
    return ["/no-such-page"] + [path for who, path in get_pages(app, world) if actor in ALLOWED[who]]


def violations(page, axe_source: str) -> list[str]:
    # Evaluated through the DevTools protocol: the page's CSP (no inline script) does not apply to it.
    page.evaluate(axe_source)
    return page.evaluate("""tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                                      resultTypes: ["violations"]})
        .then(result => result.violations.map(v =>
            `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`))""", TAGS)


@pytest.mark.browser
def test_axe_finds_nothing_on_any_page(app, world, live_server, chromium, axe_source):
    problems = []
    checked = 0
    for actor in ACTORS:
        with open_phone(chromium, live_server) as phone:
            if actor != "anonymous":
                copy_cookies(_browser(app, actor), phone.page.context, live_server)
            for path in get_paths(app, world, actor):
                try:
                    response = phone.page.goto(path)
                except Exception as error:  # Playwright's own Error: a download has no page
                    if "Download is starting" in str(error):
                        continue
                    raise
                if response is None or not response.headers.get("content-type", "").startswith("text/html"):
                    continue  # a file (CSV, XLSX, a picture, JSON): not a page
                checked += 1
                problems += [f"{actor} {path}: {problem}" for problem in violations(phone.page, axe_source)]
    assert checked > 40, f"only {checked} pages checked"
    assert problems == [], "\n".join(problems)
