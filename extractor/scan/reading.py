"""What every step of the scan path that reads a cell gives: its text, confidence, flags."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CellReading:
    text: str
    confidence: float
    flags: tuple[str, ...] = ()
