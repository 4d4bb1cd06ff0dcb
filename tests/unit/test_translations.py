"""The English catalogue covers every Vietnamese string in the code, and the shipped .mo matches it.

The msgids are the Vietnamese source strings themselves. When one of these tests fails after a
template or view changed, run scripts/update_translations.sh, translate what it lists, run it again.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages import frontend
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "elearn" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
FIX = "run scripts/update_translations.sh, translate what it lists, then run it again"

# printf-style conversions as Python's % operator reads them: %(name)s, %d, %%
PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
                         r"(?P<kind>[diouxXeEfFgGcrsa%])")


def _mapping() -> tuple[list, dict]:
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping  # Babel < 2.15
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        return parse(cfg, str(ROOT / "babel.cfg"))


def _msgid(message) -> str:
    return message[0] if isinstance(message, tuple) else message


@pytest.fixture(scope="module")
def extracted() -> dict[str, str]:
    """msgid → first place it is used, extracted the way scripts/update_translations.sh does."""
    method_map, options_map = _mapping()
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.setdefault(_msgid(message), f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalog():
    with open(PO, "rb") as handle:
        return read_po(handle, locale="en")


def _translations(catalog, *, include_fuzzy: bool) -> dict:
    return {message.id: message.string for message in catalog
            if message.id and (include_fuzzy or not message.fuzzy)}


def test_extraction_finds_the_user_facing_strings(extracted):
    # guards the test below against a babel.cfg that silently matches nothing
    assert "Đăng nhập" in extracted  # templates
    assert "Vui lòng nhập mật khẩu." in extracted  # lazy_gettext in forms
    assert "Bạn đã đăng xuất. Hẹn gặp lại!" in extracted  # gettext in views
    assert len(extracted) > 100


def test_every_msgid_has_an_english_translation(extracted, catalog):
    missing, empty, fuzzy = [], [], []
    for msgid, where in sorted(extracted.items()):
        message = catalog.get(msgid)
        if message is None:
            missing.append(f"{where}: {msgid!r}")
        elif not (_msgid(message.string) if message.string else ""):
            empty.append(f"{where}: {msgid!r}")
        elif message.fuzzy:
            fuzzy.append(f"{where}: {msgid!r}")
    problems = ([f"not in {PO.name}: {item}" for item in missing] + [f"empty: {item}" for item in empty]
                + [f"fuzzy: {item}" for item in fuzzy])
    assert not problems, f"{len(problems)} strings lack English ({FIX}):\n" + "\n".join(problems)


def test_the_compiled_catalogue_matches_the_po_file(catalog):
    assert MO.exists(), f"{MO} is missing: {FIX}"
    with open(MO, "rb") as handle:
        compiled = read_mo(handle)
    # pybabel compile leaves out fuzzy and untranslated entries
    expected = {msgid: string for msgid, string in _translations(catalog, include_fuzzy=False).items() if string}
    def hashable(value):  # a plural comes back from the .mo as a list of its forms
        return tuple(value) if isinstance(value, list) else value

    shipped = {hashable(message.id): hashable(message.string) for message in compiled if message.id}
    stale = sorted(set(expected.items()) ^ set(shipped.items()))
    assert not stale, f"{MO.name} is out of date with {PO.name} ({FIX}): {stale[:5]}"


def _placeholders(text: str) -> set[tuple[str | None, str]]:
    return {(match["name"], match["kind"]) for match in PLACEHOLDER.finditer(text)}


def _formats(text: str, names: set[str]) -> bool:
    try:
        text % dict.fromkeys(names, 1)
    except (ValueError, TypeError, KeyError):
        return False
    return True


def test_translations_keep_the_placeholders(catalog):
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        msgid, msgstr = _msgid(message.id), _msgid(message.string)
        if _placeholders(msgstr) != _placeholders(msgid):
            wrong.append(f"{msgid!r} → {msgstr!r}: {sorted(_placeholders(msgid), key=str)} "
                         f"≠ {sorted(_placeholders(msgstr), key=str)}")
            continue
        # Jinja's newstyle gettext always applies %, so a lone % in the English would break the page
        names = {name for name, _kind in _placeholders(msgid) if name}
        if _formats(msgid, names) and not _formats(msgstr, names):
            wrong.append(f"{msgstr!r} is not a valid format string (write %% for a percent sign)")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)
