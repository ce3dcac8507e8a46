"""Decisions on line crops already read, reused for a crop that is the same print.

An annex repeats its labels on every form, and a batch repeats them across annexes; where
the primary engine is unsure of a label, the same other engines would be asked the same
question on every page. A crop read the same by the primary, whose ink lies within
FAR_PX of the remembered crop's ink everywhere (and the other way round), is the same
print: it takes the decision made before. Readings with a digit are never reused: at the
scan resolution two numbers can differ by a few pixels (8 and 9, 80% and 90%).

A memo is scoped to one page's reading (scan/page.py::scan_page makes a fresh one): a
decision taken on an earlier page or document would make the same bytes read
differently depending on what the process read before.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

import cv2
import numpy as np

FAR_PX = 1.5  # ink farther than this from the other crop's ink is a difference
MAX_FAR = 2  # ... and more than this many such pixels, each way, another print
SIZE_TOLERANCE = 0.04  # ink boxes this much (or 2 px) apart in width or height never match
MIN_HEIGHT_PX = 12  # smaller ink (a dot, a dash) is too little to tell prints apart
MAX_CHARS = 12  # longer readings (a line of goal text) are one of a kind: not kept
PER_TEXT = 8  # crops kept per reading
MAX_TEXTS = 1024  # readings kept, least recently used dropped (at most ~50 MB of ink)

T = TypeVar("T")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Print:
    ink: np.ndarray  # uint8 0/1, cut to the ink's box

    def far(self) -> np.ndarray:
        """Every pixel's distance to the nearest ink (computed when compared, not kept)."""
        return cv2.distanceTransform(1 - self.ink, cv2.DIST_L2, 3)


def print_of(crop: np.ndarray) -> Print | None:
    grey = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    if grey.size == 0 or int(grey.max()) - int(grey.min()) < 60:
        return None
    level, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ink = (grey < level).astype(np.uint8)
    ys, xs = np.nonzero(ink)
    if len(ys) == 0 or ys.max() - ys.min() + 1 < MIN_HEIGHT_PX:
        return None
    return Print(np.ascontiguousarray(ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]))


def same_print(a: Print, b: Print) -> bool:
    (ha, wa), (hb, wb) = a.ink.shape, b.ink.shape
    if abs(ha - hb) > max(2, SIZE_TOLERANCE * ha) or abs(wa - wb) > max(2, SIZE_TOLERANCE * wa):
        return False
    b_ink, b_far = b.ink, b.far()
    if (ha, wa) != (hb, wb):
        b_ink = cv2.resize(b_ink, (wa, ha), interpolation=cv2.INTER_NEAREST)
        b_far = cv2.resize(b_far, (wa, ha), interpolation=cv2.INTER_LINEAR)
    if np.count_nonzero(b_far[a.ink > 0] > FAR_PX) > MAX_FAR:
        return False
    return bool(np.count_nonzero(a.far()[b_ink > 0] > FAR_PX) <= MAX_FAR)


class LineMemo(Generic[T]):
    def __init__(self) -> None:
        self._by_text: OrderedDict[str, list[tuple[Print, T]]] = OrderedDict()
        self.hits = 0

    def get(self, text: str, crop: np.ndarray) -> T | None:
        kept = self._by_text.get(text)
        if not kept or _DIGIT.search(text):
            return None
        seen = print_of(crop)
        if seen is None:
            return None
        for p, decision in kept:
            if same_print(seen, p):
                self._by_text.move_to_end(text)
                self.hits += 1
                return decision
        return None

    def put(self, text: str, crop: np.ndarray, decision: T) -> None:
        if not text or len(text) > MAX_CHARS or _DIGIT.search(text):
            return
        seen = print_of(crop)
        if seen is None:
            return
        kept = self._by_text.setdefault(text, [])
        kept.insert(0, (seen, decision))
        del kept[PER_TEXT:]
        self._by_text.move_to_end(text)
        while len(self._by_text) > MAX_TEXTS:
            self._by_text.popitem(last=False)
