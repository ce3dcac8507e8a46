"""Aids for the tests and the benchmarks; never shipped (not in pyproject's packages).

    scoring    records scored against expected ones, cell by cell (bench, scan tests)
    golden     emitted documents compared with golden files
    fake_ocr   OCR engines for tests: a fake, a recorded-output replay, a crashing one
    localrun   a result store filled in-process, and the review app in a thread

Imported from the root of the repository (pytest and bench/ put it on sys.path).
"""
