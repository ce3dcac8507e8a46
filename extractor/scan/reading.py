"""What every step of the scan path that reads a cell gives: its text, confidence, flags."""

from __future__ import annotations

from dataclasses import dataclass

from extractor.record import Flag
from extractor.scan.thresholds import FLAGGED_CEILING


@dataclass(frozen=True)
class CellReading:
    text: str
    confidence: float
    flags: tuple[str, ...] = ()

    def unsure(self, text: str | None = None) -> CellReading:
        """This reading (or `text` in its place) flagged low_confidence, reporting at most
        FLAGGED_CEILING."""
        flags = tuple(dict.fromkeys((*self.flags, Flag.LOW_CONFIDENCE)))
        return CellReading(self.text if text is None else text,
                           min(self.confidence, FLAGGED_CEILING), flags)
