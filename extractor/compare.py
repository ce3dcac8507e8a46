"""How two texts compare (docs/record-format.md, "Comparing texts")."""

from __future__ import annotations

import re
import unicodedata

DASHES = "-‐‑‒–—―－"
_DASH_TABLE = {ord(c): "-" for c in DASHES}
_QUOTE_TABLE = {ord("‘"): "'", ord("’"): "'", ord("“"): '"', ord("”"): '"'}
_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _WS.sub("", text)
    return text.translate(_DASH_TABLE).translate(_QUOTE_TABLE)


def same_text(a: str, b: str) -> bool:
    return normalize_text(a) == normalize_text(b)
