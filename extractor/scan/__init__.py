"""The scan path: a scanned page -> PageReading, one module per step of the algorithm
(page.py runs them top to bottom; its docstring draws the picture)."""

from extractor.scan.page import read_image_page, scan_page

__all__ = ["read_image_page", "scan_page"]
