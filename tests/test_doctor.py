"""`extractor doctor`: a table of parts, a failing required part exits 1, optional ones warn."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from extractor import doctor, ocr
from extractor.config import load_settings
from extractor.doctor import Check
from extractor.ocr.base import OcrEngineError

REPO = Path(__file__).resolve().parent.parent


def lines(checks: list[Check]) -> tuple[int, list[str]]:
    out: list[str] = []
    return doctor.report(checks, out.append), out


def test_a_failing_required_part_exits_1() -> None:
    code, out = lines([Check("numpy", "2.0", "ok"), Check("database", "-", "failed", "refused", "fix it")])
    assert code == 1 and out[-1] == "not working: database"
    assert "refused  ->  fix it" in out[2]


def test_an_optional_part_missing_is_a_warning() -> None:
    code, out = lines([Check("tesseract (program)", "-", "missing", "not on PATH", "apt-get install x", False)])
    assert code == 0 and out[-1] == "every required part works"
    assert "missing (optional)" in out[1] and "apt-get install x" in out[1]


def test_a_crashing_engine_is_failed() -> None:
    def broken() -> ocr.OcrEngine:
        raise OcrEngineError("model file gone")

    ocr.register("doctor-broken", broken)
    try:
        check = doctor.check_engine("doctor-broken", required=True)
    finally:
        ocr.ENGINES.pop("doctor-broken")
    assert (check.status, check.required) == ("failed", True)
    assert "model file gone" in check.detail


def test_the_configured_engine_is_required() -> None:
    assert doctor.primary_engine(load_settings({})) == ocr.DEFAULT
    assert doctor.primary_engine(load_settings({}, ocr_engine="rapid")) == "rapid"
    models = {c.name: c.required for c in doctor.check_model_files(load_settings({}, ocr_engine="rapid"))}
    assert models == {"model tiny (PP-OCRv6)": False, "model rapid (PP-OCRv4)": True}


def test_two_opencv_wheels_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = {"opencv-python": "4.10.0", "opencv-python-headless": "4.10.0"}
    monkeypatch.setattr(doctor, "version_of", lambda dist: installed.get(dist, ""))
    checks = doctor.check_opencv()
    assert [c.name for c in checks] == ["opencv", "opencv wheels"]
    assert checks[1].status == "failed" and not checks[1].required
    assert checks[1].fix.startswith("pip uninstall -y opencv-python &&")


def test_a_missing_package_says_how_to_install_it() -> None:
    check = doctor.package_check("no-such-dist-for-doctor", "no_such_module")
    assert (check.status, check.fix) == ("missing", "pip install no-such-dist-for-doctor")


def test_database(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    fresh = doctor.check_database(load_settings({}, database_url=f"sqlite:///{db}"))
    assert fresh.status == "ok" and "created on first use" in fresh.detail and not db.exists()
    sqlite3.connect(db).close()
    existing = doctor.check_database(load_settings({}, database_url=f"sqlite:///{db}"))
    assert existing.status == "ok" and existing.version.startswith("sqlite 3.")
    bad = doctor.check_database(load_settings({}, database_url="nosuchdialect://x"))
    assert bad.status == "failed" and bad.required


def test_redis(tmp_path: Path) -> None:
    unset = doctor.check_redis(load_settings({}))
    assert unset.status == "ok" and not unset.required
    down = doctor.check_redis(load_settings({}, redis_url="redis://:pw@127.0.0.1:1/0"))
    assert down.status == "failed" and down.required and "pw" not in down.detail


def test_passwords_are_hidden() -> None:
    assert doctor._hide_password("postgresql://u:secret@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert doctor._hide_password("sqlite:///var/x.db") == "sqlite:///var/x.db"


def test_the_doctor_command() -> None:
    out = subprocess.run([sys.executable, "-m", "extractor.cli", "doctor"], cwd=REPO, capture_output=True,
                         text=True, timeout=120, check=False)
    names = [line.split("  ")[0] for line in out.stdout.splitlines()[1:-1]]
    for part in ("layouts", "pypdfium2", "opencv", "OCR engine tiny", "OCR engine rapid",
                 "OCR engine tesseract", "tesseract chi_sim", "redis", "database"):
        assert part in names, out.stdout
    assert out.returncode == (0 if out.stdout.splitlines()[-1] == "every required part works" else 1)
