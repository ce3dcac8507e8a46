"""The review page's language: Simplified Chinese by default (EXTRACTOR_LANGUAGE), English
by choice, switched on the page (`?lang=en` / `?lang=zh_CN`, kept in a cookie).

Templates translate through jinja2's i18n extension, one Environment per language (an
Environment's translations are global to it, so no request can see another's). The
messages review.js shows are here (JS_MESSAGES), sent to the page translated, in the
body's `data-messages`; the catalog is review/locale (domain `review`).
"""

from __future__ import annotations

import gettext as gettext_module
import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader
from starlette.requests import Request
from starlette.responses import Response

from extractor.i18n import HTML_LANG, LANGUAGES, N_, NATIVE_NAME, normalize, translations

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
LOCALE = HERE / "locale"
DOMAIN = "review"
LANG_COOKIE = "review_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600

# what a decision and a record's status are called on the page
ACTION_NAMES = {"accept": N_("accepted"), "correct": N_("corrected"), "unreadable": N_("unreadable")}
STATUS_NAMES = {"open": N_("open"), "done": N_("done")}
# review.js's messages; `{name}` is filled in by the script
JS_MESSAGES = {
    "stale": N_("Someone else changed this record (now version {version}): "
                "reload the page to see their decisions."),
    "rules_pass": N_("All rules pass."),
    "not_saved": N_("Not saved: {detail}"),
    "not_finished": N_("Not finished: {detail}"),
    "reloading": N_("Saved. The rules now flag other cells too: reloading to show them."),
    "left": N_("{n} cell(s) left"),
    "all_decided": N_("All cells decided: Ctrl+Enter finishes the record."),
    "still_pending": N_("{n} cell(s) still need a decision."),
    "finished": N_("Record finished."),
    "nothing_left": N_("Nothing left here."),
    "some_stale": N_("{n} cell(s) not saved (changed by someone else): reload."),
    "saved": N_("{n} cell(s) saved."),
    "by": N_("{action} by {reviewer}"),
    "status_done": STATUS_NAMES["done"],
    **{f"action_{a}": name for a, name in ACTION_NAMES.items()},
}


def language_of(request: Request, default: str) -> str:
    """?lang= first, then the cookie, then the setting."""
    for tag in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        lang = normalize(tag)
        if lang:
            return lang
    return default


def remember_language(request: Request, response: Response) -> None:
    """A `?lang=` that names a language is kept in the cookie for the next pages."""
    lang = normalize(request.query_params.get("lang"))
    if lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE, samesite="strict",
                            httponly=True)


def switch_links(request: Request, current: str) -> list[tuple[str, str, str]]:
    """(language, its own name, this page's URL in it) for each other language."""
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    return [(lang, NATIVE_NAME[lang], request.url.path + "?" + urlencode({**query, "lang": lang}))
            for lang in LANGUAGES if lang != current]


@lru_cache(maxsize=len(LANGUAGES))
def environment(language: str) -> Environment:
    from urllib.parse import quote

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(catalog(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["urlkey"] = lambda key: quote(str(key), safe="")
    env.globals.update(html_lang=HTML_LANG[language], language=language,
                       action_names=ACTION_NAMES, status_names=STATUS_NAMES,
                       js_messages=js_messages(language))
    return env


def catalog(language: str) -> gettext_module.NullTranslations:
    return translations(LOCALE, DOMAIN, language)


def gettext(language: str, message: str) -> str:
    return catalog(language).gettext(message)


def js_messages(language: str) -> str:
    return json.dumps({k: gettext(language, m) for k, m in JS_MESSAGES.items()}, ensure_ascii=False)
