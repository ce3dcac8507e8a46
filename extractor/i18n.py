"""The languages people read: Simplified Chinese by default, English by choice.

Messages are written in English in the code and templates (the gettext msgids) and
translated through the message catalogs of each package (`<package>/locale/zh_CN/
LC_MESSAGES/<domain>.po`, compiled to `.mo` beside it and committed; a test checks the
`.mo` is current and that every string the code shows is in the catalog). English needs
no catalog: it is the msgid. Plain `gettext` reads the `.mo` at run time; Babel is the
tool that extracts and compiles them (docs/review.md, "Languages").
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh_CN", "en")  # the first is the default (EXTRACTOR_LANGUAGE)
DEFAULT_LANGUAGE = LANGUAGES[0]
# what a page shows in its <html lang>, and the switch's own name for each language
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
NATIVE_NAME = {"zh_CN": "中文", "en": "English"}


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; translated where it is shown."""
    return message


def normalize(tag: str | None) -> str | None:
    """A language tag as people and browsers write it -> one of LANGUAGES, or None."""
    if not tag:
        return None
    t = tag.strip().replace("-", "_").lower()
    if t in ("zh", "zh_cn", "zh_hans", "zh_hans_cn", "zh_sg"):
        return "zh_CN"
    if t == "en" or t.startswith("en_"):
        return "en"
    return None


@lru_cache(maxsize=16)
def translations(localedir: Path, domain: str, language: str) -> gettext.NullTranslations:
    """The catalog of `domain` in `language`; English (or a missing catalog) gives the msgids."""
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(domain, str(localedir), languages=[language], fallback=True)
