"""The review page's page image of a page over the memory budget: a clear 404, not a 500."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.config import load_settings
from review.crops import CropError, Crops

from . import hostile_files as hostile


def test_a_page_over_the_budget_is_a_crop_error_naming_its_code(tmp_path: Path) -> None:
    pdf = hostile.huge_image_pdf(tmp_path / "huge.pdf")
    crops = Crops(load_settings({}, store=tmp_path / "store"))
    with pytest.raises(CropError, match="page_too_large"):
        crops.page_png(str(pdf), "a" * 64, 1)
