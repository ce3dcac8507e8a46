"""The languages: every string people see is in the message catalogs, the compiled
catalogs are current, and the review page speaks Chinese by default, English by choice.

The strings are found the way the translators find them, with Babel's extractor over
the code and the templates (the mapping in each package's locale/babel.cfg); then the
templates and review.js are read for text that bypasses it.
"""

from __future__ import annotations

import html as html_module
import json
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
# (package folder, gettext domain, the keywords its code marks messages with)
CATALOGS = [
    (ROOT / "review", "review", {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "tr": (2,)}),
    (ROOT / "extractor" / "report", "report", {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}),
]
LOCALE = {"review": ROOT / "review" / "locale", "report": ROOT / "extractor" / "locale"}
# words in templates that are not English for people: keys, key names, the product
NOT_PROSE = {"Enter", "Tab", "Shift", "Alt", "Ctrl", "Esc", "form", "extractor", "nbsp"}


def mapping(domain: str) -> list[tuple[str, str]]:
    cfg = (LOCALE[domain] / "babel.cfg").read_text(encoding="utf-8")
    return [(pattern, method) for method, pattern in re.findall(r"^\[(\w+):\s*(\S+)\]", cfg, re.M)]


def extracted(folder: Path, domain: str, keywords: dict[str, Any]) -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(folder), method_map=mapping(domain), keywords=keywords,
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message if isinstance(message, str) else tuple(m for m in message if m))
    return found


def po(domain: str) -> Any:
    path = LOCALE[domain] / "zh_CN" / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as f:
        return read_po(f)


@pytest.mark.parametrize(("folder", "domain", "keywords"), CATALOGS, ids=[c[1] for c in CATALOGS])
def test_every_message_shown_is_translated(folder: Path, domain: str, keywords: dict[str, Any]) -> None:
    catalog = po(domain)
    translated = {m.id if isinstance(m.id, str) else tuple(m.id): m for m in catalog if m.id}
    messages = extracted(folder, domain, keywords)
    assert len(messages) > 30
    missing = sorted(map(str, messages - set(translated)))
    assert missing == [], f"not in {domain}.po (pybabel extract + update, docs/review.md): {missing}"
    untranslated = [k for k in messages if not translated[k].string or translated[k].fuzzy]
    assert untranslated == []
    stale = sorted(map(str, set(translated) - messages))
    assert stale == [], f"in {domain}.po but no longer used: {stale}"


@pytest.mark.parametrize("domain", list(LOCALE))
def test_compiled_catalogs_are_current(domain: str) -> None:
    """The committed .mo says what the .po says (`pybabel compile` after every edit)."""
    mo = LOCALE[domain] / "zh_CN" / "LC_MESSAGES" / f"{domain}.mo"
    with mo.open("rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    source = {_key(m.id): _key(m.string) for m in po(domain) if m.id and not m.fuzzy}
    assert compiled == source


def test_python_format_placeholders_survive_translation() -> None:
    for domain in LOCALE:
        for m in po(domain):
            if not m.id:
                continue
            ids = m.id if isinstance(m.id, tuple | list) else [m.id]
            strings = m.string if isinstance(m.string, tuple | list) else [m.string]
            want = set(re.findall(r"%\(\w+\)[sd]|\{\w+\}", ids[-1]))
            for s in strings:
                assert set(re.findall(r"%\(\w+\)[sd]|\{\w+\}", s)) == want, m.id


def _key(text: Any) -> str | tuple[str, ...]:
    return text if isinstance(text, str) else tuple(text)


def prose_left(template: str) -> list[str]:
    """Text of a template that is neither Jinja nor markup: what would reach people untranslated."""
    text = re.sub(r"<style>.*?</style>", " ", template, flags=re.S)
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", text, flags=re.S)
    attrs = re.findall(r'\s(?:alt|title|aria-label|placeholder)="([^"]*)"', text)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&\w+;", " ", text)
    words = [w for chunk in [text, *attrs] for w in re.findall(r"(?<![\w-])[A-Za-z][A-Za-z']+(?![\w-])", chunk)]
    return [w for w in words if w not in NOT_PROSE]


TEMPLATES = [*sorted((ROOT / "review" / "templates").glob("*.html")),
             ROOT / "extractor" / "report" / "templates" / "report.html"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_no_text_outside_the_catalog(template: Path) -> None:
    assert prose_left(template.read_text(encoding="utf-8")) == []


def test_the_check_sees_bare_text() -> None:
    assert prose_left('<p class="x">Hello {{ _("there") }} <img alt="a crop"></p>') == ["Hello", "crop"]


def test_review_js_shows_only_catalog_messages() -> None:
    from review.i18n import JS_MESSAGES

    js = (ROOT / "review" / "static" / "review.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", js, flags=re.S)
    assert not re.search(r"""say\(\s*["']""", code)
    assert not re.search(r"""textContent\s*=\s*["'][^"']*[A-Za-z]""", code)
    assert not re.search(r"""say\([^;]*\+\s*["'][^"']*[A-Za-z]""", code)
    used = {m for m in re.findall(r"""\bt\(\s*"(\w+)""", code) if not m.endswith("_")} | {f"action_{a}" for a in ("accept", "correct", "unreadable")}
    assert used <= set(JS_MESSAGES), used - set(JS_MESSAGES)


def test_language_setting() -> None:
    from extractor.config import load_settings
    from extractor.errors import SettingsError
    from extractor.i18n import LANGUAGES, normalize

    assert load_settings({}).language == "zh_CN" == LANGUAGES[0]
    assert load_settings({"EXTRACTOR_LANGUAGE": "en"}).language == "en"
    with pytest.raises(SettingsError, match="EXTRACTOR_LANGUAGE"):
        load_settings({"EXTRACTOR_LANGUAGE": "fr"})
    assert [normalize(t) for t in ("zh-CN", "zh", "zh-Hans", "en-GB", "EN", "fr", "", None)] == \
        ["zh_CN", "zh_CN", "zh_CN", "en", "en", None, None, None]


# --- the review pages in each language (no browser: tests/test_review_browser.py has one) ----


@pytest.fixture
def client(tmp_path: Path) -> Any:
    from fastapi.testclient import TestClient

    from extractor.config import load_settings
    from review.app import create_app

    settings = load_settings({}, store=tmp_path / "store", database_url=f"sqlite:///{tmp_path / 'r.db'}",
                             review_secret_file=tmp_path / "secret")
    app = create_app(settings)
    try:
        yield TestClient(app)
    finally:
        app.state.services.reviews.close()
        app.state.services.store.close()


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="')[1].split('"')[0]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_review_page_is_chinese_by_default_and_english_by_choice(client: Any) -> None:
    zh = client.get("/login").text
    assert '<html lang="zh-CN">' in zh and "登录核查" in zh and "Log in" not in zh
    assert 'href="/login?lang=en"' in zh  # the switch
    bad = client.post("/login", data={"name": "ann", "password": "x", "csrf": csrf_of(zh)}).text
    assert "用户名或密码错误。" in bad
    messages = _messages(zh)
    assert messages["finished"] == "记录已完成。" and "{n}" in messages["left"]

    en = client.get("/login", params={"lang": "en"})
    assert '<html lang="en">' in en.text and "Log in to review" in en.text
    assert "review_lang=en" in en.headers["set-cookie"]
    assert _messages(en.text)["finished"] == "Record finished."
    again = client.get("/login").text  # the cookie keeps the choice
    assert "Log in to review" in again and 'href="/login?lang=zh_CN"' in again
    expired = client.post("/login", data={"name": "ann", "password": "x", "csrf": "stale"}).text
    assert "The form expired; try again." in expired
    assert "表单已过期" in client.post("/login?lang=zh_CN", data={"name": "a", "password": "x",
                                                              "csrf": "stale"}).text


def _messages(html: str) -> dict[str, str]:
    raw = re.search(r'data-messages="([^"]*)"', html)
    assert raw is not None
    return dict(json.loads(html_module.unescape(raw.group(1))))


def test_every_js_message_is_in_both_languages() -> None:
    from review.i18n import JS_MESSAGES, js_messages

    zh, en = json.loads(js_messages("zh_CN")), json.loads(js_messages("en"))
    assert set(zh) == set(en) == set(JS_MESSAGES)
    assert all(zh[k] != en[k] for k in JS_MESSAGES), [k for k in JS_MESSAGES if zh[k] == en[k]]
