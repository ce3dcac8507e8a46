"""The lines around a drafted form: its title (the year a group wherever it stands), the
year field, `label:value` lines above the table and signature lines under it."""

from __future__ import annotations

import re

from extractor.compare import normalize_text
from extractor.layout.labels import title_key
from extractor.layout.vocab import SIGNATURE_LABELS, Item, Names
from extractor.models import TextLine

YEAR = r"(19|20)\d{2}"
_YEAR = re.compile(r"(19|20)\d{2}")
_PLACE = re.compile(r"^\w{1,10}[县区市]$")  # a county before the title: it varies form to form
_LABEL_COLON = re.compile(r"([^\W\d_]{2,12}):")


def title_line(lines: list[TextLine]) -> TextLine | None:
    """The longest line naming a 表 (else the longest line) above the table."""
    plain = [ln for ln in lines if not _colon(ln)]
    named = [ln for ln in plain if "表" in ln.text] or plain
    return max(named, key=lambda ln: len(title_key(ln.text)), default=None)


def _colon(line: TextLine) -> bool:
    return ":" in normalize_text(line.text)


def title_pattern(text: str, vocab_titles: object) -> str:
    """The title folded as labels.title_key folds it, the year as a pattern wherever it
    stands, a county name before a known title as any county."""
    key = title_key(text)
    parts = [re.escape(p) for p in _YEAR.split(key)[::2]]
    pattern = YEAR.join(parts)
    titles = getattr(vocab_titles, "titles", ())
    for t in sorted(titles, key=len, reverse=True):
        head = pattern.split(t, 1)[0] if t in pattern else None
        if head and _PLACE.match(head):
            return r"\w{1,10}[县区市]" + pattern[len(head) :]
    return pattern


def year_pattern(lines: list[TextLine], title: TextLine | None) -> str | None:
    """On the title line the year is a group (its text `2022年度`); on a line of its own
    the whole line is the text (（2022年度））."""
    if title is not None and re.search(YEAR + r"\s*年", normalize_text(title.text)):
        return r"(?P<value>(19|20)\d{2}年度?)"
    if any(re.search(YEAR + r"\s*年", normalize_text(ln.text)) and not _colon(ln) for ln in lines):
        return r"(19|20)\d{2}\s*年"
    return None


def line_fields(lines: list[TextLine], title: TextLine | None, names: Names, where: str) -> list[Item]:
    out: list[Item] = []
    year = year_pattern(lines, title) if where == "above" else None
    if year:
        item = names.item("fields", "year", "year")
        item.key, item.type, item.line, item.common = "year", "year", year, True
        names.used.add("year")
        out.append(item)
    for i, line in enumerate(lines):
        if line is title:
            continue
        labels = _line_labels(normalize_text(line.text))
        for k, label in enumerate(labels):
            ends = labels[k + 1 :] + [s for s in SIGNATURE_LABELS if s not in labels]
            stop = "|".join(re.escape(lb) for lb in ends)
            pattern = f"{re.escape(label)}:(?P<value>.*?)({stop}|$)"
            item = names.item("fields", label, f"line_{where}{i + 1}_{k + 1}")
            item.line, item.lines = pattern, where
            out.append(item)
    return out


def _line_labels(text: str) -> list[str]:
    """The labels before the colons of `项目负责人:王建川财务负责人:刘晓梅`: the first from the
    line's start, the others the longest known signature label ending there (else 4 chars)."""
    out = []
    for m in _LABEL_COLON.finditer(text):
        before = m.group(1)
        if m.start() == 0:
            label = before
        else:
            known = [s for s in SIGNATURE_LABELS if before.endswith(s)]
            label = max(known, key=len) if known else before[-4:]
        if m.end() < len(text) and text[m.end()] != ":":
            out.append(label)
    return [lb for lb in out if lb]
