"""Page weight: what a resident's phone downloads for each lesson, the sign-in and the registration page.

Builds the app on a temporary SQLite database, loads the courses (the project's courses/ folder, or
the folder given as argument), registers a resident through the form, then fetches every lesson page
and the two sign-in/registration pages with Flask's test client (no network), together with what
each page loads: stylesheets, scripts, icons and fonts (from <link>, <script> and the CSS's url()),
and images outside the lesson text. Pictures inside a lesson are lazily loaded and not counted;
their size is shown apart. Each request says `Accept-Encoding: gzip`, as a phone's browser does, and
the bytes counted are the bytes the app sends back (compressed by Flask-Compress).

A page is within budget when its HTML and everything it loads, gzipped, is at most 30 KB: a first
visit on a slow rural 3G line then takes a few seconds. Exit status 1 when a page is over budget.

    .venv/bin/python benchmarks/page_weight.py [COURSES_FOLDER] [--budget-kb 30]
"""
from __future__ import annotations

import argparse
import gzip
import re
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCAL_ORIGIN = "http://localhost"  # where Flask's test client sends its requests
BUDGET_BYTES = 30 * 1024
PASSWORD = "mua xuan tren ruong bac thang"
# <link rel=...> values the browser downloads when the page opens.
FETCHED_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "mask-icon", "manifest", "preload",
                "modulepreload"}
CSS_URL_RE = re.compile(r"""url\(\s*(['"]?)([^'")]+?)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.I)


@dataclass
class Reference:
    tag: str  # link[stylesheet], script, img, css url(), a ...
    url: str  # absolute
    loads: bool  # the browser downloads it when the page opens
    in_lesson: bool = False  # an image inside the lesson text (lazy, not counted)


class PageParser(HTMLParser):
    """Collects every URL a page refers to, and whether the browser loads it on opening the page."""

    def __init__(self, base_url: str):
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.references: list[Reference] = []
        self.lesson_depth = 0  # inside <article class="lesson">

    def add(self, tag: str, url: str | None, loads: bool) -> None:
        if url and url.strip():
            self.references.append(Reference(tag, urljoin(self.base_url, url.strip()), loads, self.lesson_depth > 0))

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "article" and (self.lesson_depth or "lesson" in attributes.get("class", "").split()):
            self.lesson_depth += 1
        if tag == "link":
            rels = set(attributes.get("rel", "").lower().split())
            self.add(f"link[{' '.join(sorted(rels))}]", attributes.get("href"), bool(rels & FETCHED_RELS))
        elif tag == "script":
            self.add("script", attributes.get("src"), True)
        elif tag in ("img", "iframe", "video", "audio", "source", "embed"):
            self.add(tag, attributes.get("src"), True)
        elif tag == "object":
            self.add(tag, attributes.get("data"), True)
        elif tag in ("a", "area"):
            self.add(tag, attributes.get("href"), False)
        elif tag == "form":
            self.add(tag, attributes.get("action"), False)
        if "style" in attributes:  # url() in an inline style
            for match in CSS_URL_RE.finditer(attributes["style"]):
                self.add("style url()", match.group(2) or match.group(4), True)

    def handle_endtag(self, tag):
        if tag == "article" and self.lesson_depth:
            self.lesson_depth -= 1


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.netloc == urlsplit(LOCAL_ORIGIN).netloc


def is_other_host(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) and not is_local(url)


@dataclass
class PageWeight:
    path: str
    html_raw: int
    html_gzip: int
    assets: dict[str, int] = field(default_factory=dict)  # local path -> gzipped bytes
    lesson_images: dict[str, int] = field(default_factory=dict)  # local path -> raw bytes (not counted)
    elsewhere: list[Reference] = field(default_factory=list)  # loads from (or connects to) another host
    links_elsewhere: set[str] = field(default_factory=set)  # hosts of <a> links and form actions

    @property
    def total_gzip(self) -> int:
        return self.html_gzip + sum(self.assets.values())

    def within(self, budget: int) -> bool:
        return self.total_gzip <= budget and not self.elsewhere


class Fetcher:
    def __init__(self, client):
        self.client = client

    def get(self, path: str) -> tuple[bytes, int]:
        """The body, and the bytes the server really sends to a phone that accepts gzip."""
        response = self.client.get(path, headers={"Accept-Encoding": "gzip"})
        try:
            if response.status_code != 200:
                raise SystemExit(f"GET {path} answered {response.status_code}, not 200")
            wire = response.get_data()
            if response.headers.get("Content-Encoding") == "gzip":
                return gzip.decompress(wire), len(wire)
            return wire, len(wire)
        finally:
            response.close()

    def measure(self, path: str) -> PageWeight:
        html, wire = self.get(path)
        page = PageWeight(path, len(html), wire)
        parser = PageParser(LOCAL_ORIGIN + path)
        parser.feed(html.decode("utf-8"))
        parser.close()
        queue = list(parser.references)
        seen: set[str] = set()
        while queue:
            ref = queue.pop(0)
            if not ref.loads:
                if ref.tag in ("a", "area", "form"):
                    if is_other_host(ref.url):
                        page.links_elsewhere.add(urlsplit(ref.url).netloc)
                elif is_other_host(ref.url):  # preconnect, dns-prefetch, prefetch: the phone contacts it
                    page.elsewhere.append(ref)
                continue
            scheme = urlsplit(ref.url).scheme
            if scheme == "data":
                continue  # inline: already counted in the file that holds it
            if not is_local(ref.url):
                page.elsewhere.append(ref)
                continue
            local = urlsplit(ref.url)._replace(scheme="", netloc="", fragment="").geturl()
            if local in seen:
                continue
            seen.add(local)
            body, wire = self.get(local)
            if ref.in_lesson and ref.tag == "img":
                page.lesson_images[local] = wire
                continue
            page.assets[local] = wire
            if local.split("?")[0].endswith(".css"):  # fonts, images and @imports of a stylesheet
                for match in CSS_URL_RE.finditer(body.decode("utf-8", errors="replace")):
                    queue.append(Reference("css url()", urljoin(ref.url, match.group(2) or match.group(4)), True))
        return page


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    if not match:
        raise SystemExit(f"no CSRF token on {path}")
    return match.group(1)


def build_app(folder: Path, courses: Path):
    from elearn import create_app
    from elearn.content.sync import sync_folder
    from elearn.db import db_session
    from elearn.migrate import upgrade
    from elearn.setup_data import load_units

    url = f"sqlite:///{folder / 'page-weight.sqlite'}"
    upgrade(url)
    app = create_app({
        "SECRET_KEY": "page-weight", "DATABASE_URL": url, "COURSES_PATH": str(courses),
        "INSTANCE_PATH": str(folder / "instance"), "RATELIMIT_STORAGE_URI": "memory://",
    })
    with app.app_context():
        session = db_session()
        load_units(session)
        sync_folder(session, courses)
        session.commit()  # services only flush: the caller's unit of work commits
    return app


def register_resident(app, client) -> None:
    from sqlalchemy import select

    from elearn.db import db_session
    from elearn.models import Unit

    with app.app_context():
        village = db_session().scalar(select(Unit.id).where(Unit.kind == "village").order_by(Unit.id))
    response = client.post("/register", data={
        "csrf_token": csrf_token(client, "/register"), "full_name": "Nguyễn Thị Lan", "phone": "0912 345 678",
        "birth_date": "1975-03-25", "sex": "female", "village_id": str(village), "password": PASSWORD,
        "confirm_password": PASSWORD, "consent": "y",
    })
    if response.status_code != 302:
        raise SystemExit(f"registration failed ({response.status_code})")


def lesson_paths(app) -> list[str]:
    from elearn.db import db_session
    from elearn.learn import services

    with app.app_context():
        return [f"/courses/{course.slug}/lessons/{lesson.slug}"
                for course in services.published_courses(db_session()) for lesson in course.active_lessons]


def kb(size: int) -> str:
    return f"{size / 1024:.1f}"


def report(pages: list[PageWeight], budget: int) -> bool:
    width = max(len("page"), *(len(p.path) for p in pages))
    header = (f"{'page':<{width}}  {'HTML raw':>8}  {'HTML gz':>7}  {'assets gz':>9}  {'total gz':>8}  "
              f"{'lesson img':>10}  budget")
    print(header)
    print("-" * len(header))
    for page in pages:
        images = sum(page.lesson_images.values())
        print(f"{page.path:<{width}}  {page.html_raw:>8}  {page.html_gzip:>7}  {sum(page.assets.values()):>9}  "
              f"{page.total_gzip:>8}  {images or '':>10}  "
              f"{'ok' if page.within(budget) else 'OVER'}")
    print()
    assets: dict[str, int] = {}
    for page in pages:
        assets.update(page.assets)
    print("Assets (gzipped bytes): " + (", ".join(f"{path} {size}" for path, size in sorted(assets.items()))
                                        or "none"))
    print("Sizes in bytes; 'lesson img' is the raw size of the pictures inside the lesson text, loaded lazily "
          "and not counted in the total.")
    print()
    elsewhere = [(page.path, ref) for page in pages for ref in page.elsewhere]
    if elsewhere:
        print(f"Loads from another host ({len(elsewhere)}); each one puts its page over budget:")
        for path, ref in elsewhere:
            print(f"  {path}: <{ref.tag}> {ref.url}")
    else:
        print("Loads from another host: none")
    link_hosts: dict[str, int] = defaultdict(int)
    for page in pages:
        for host in page.links_elsewhere:
            link_hosts[host] += 1
    if link_hosts:
        print("Links to other hosts (followed only when tapped; host: pages): "
              + ", ".join(f"{host}: {count}" for host, count in sorted(link_hosts.items())))
    else:
        print("Links to other hosts: none")
    largest = max(pages, key=lambda p: p.total_gzip)
    over = [p for p in pages if not p.within(budget)]
    verdict = "OK" if not over else f"OVER BUDGET ({len(over)} of {len(pages)} pages)"
    print()
    print(f"Largest page: {largest.path} {largest.total_gzip} bytes gzipped ({kb(largest.total_gzip)} KB of "
          f"{kb(budget)} KB budget), {len(pages)} pages: {verdict}")
    return not over


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("courses", nargs="?", type=Path, default=PROJECT_ROOT / "courses",
                        help="folder of course folders (default: the project's courses/)")
    parser.add_argument("--budget-kb", type=float, default=BUDGET_BYTES / 1024,
                        help="per-page budget in KB of gzipped bytes (default 30)")
    args = parser.parse_args(argv)
    budget = int(args.budget_kb * 1024)
    with tempfile.TemporaryDirectory(prefix="elearn-page-weight-") as folder:
        app = build_app(Path(folder), args.courses.resolve())
        try:
            visitor = Fetcher(app.test_client())
            pages = [visitor.measure("/sign-in"), visitor.measure("/register")]
            resident = app.test_client()
            register_resident(app, resident)
            learner = Fetcher(resident)
            paths = lesson_paths(app)
            if not paths:
                raise SystemExit(f"no lessons in {args.courses}")
            pages += [learner.measure(path) for path in paths]
        finally:
            app.extensions["elearn_engine"].dispose()
    print(f"Courses: {args.courses}; bytes as sent with Accept-Encoding: gzip; budget {kb(budget)} KB per page "
          f"(HTML + CSS, scripts, icons and fonts it loads).")
    print()
    return 0 if report(pages, budget) else 1


if __name__ == "__main__":
    sys.exit(main())
