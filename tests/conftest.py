from __future__ import annotations

from pathlib import Path

import pytest

from extractor.config import Settings, load_settings
from extractor.layout.spec import LayoutSpec, load_layouts

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings({})


@pytest.fixture(scope="session")
def layouts(settings: Settings) -> list[LayoutSpec]:
    return load_layouts(settings.layouts_dir)
