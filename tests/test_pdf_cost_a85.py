"""pdf_cost's ASCII85 decoder (numpy, a group at a time) gives pdfminer's bytes."""

from __future__ import annotations

import base64
import random

import pytest
from pdfminer import ascii85

from extractor.pdf_cost import a85decode


@pytest.mark.parametrize("seed", range(6))
def test_a85decode_gives_pdfminers_bytes(seed: int) -> None:
    rng = random.Random(seed)
    for n in [*range(0, 12), 257, 4096]:
        raw = bytes(rng.randrange(256) for _ in range(n)) if seed % 2 else b"\0" * n + b"ab"
        encoded = base64.a85encode(raw, wrapcol=rng.choice([0, 75]), adobe=True)[2:]  # no <~
        assert a85decode(encoded) == raw == bytes(ascii85.ascii85decode(encoded))


def test_text_that_is_not_ascii85_is_refused_as_pdfminer_refuses_it() -> None:
    odd = b"87cURD]i,\"Ebo80{}~>"
    with pytest.raises(ValueError):
        ascii85.ascii85decode(odd)
    with pytest.raises(ValueError):
        a85decode(odd)
    after_end = b"87cURD]i,\"Ebo80~>{{{"  # what follows the end-of-data mark is not read
    assert a85decode(after_end) == bytes(ascii85.ascii85decode(b"87cURD]i,\"Ebo80~>"))
