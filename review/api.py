"""The JSON API of the review queue (documented at /docs).

Every route needs a logged-in reviewer (401 otherwise); every POST needs the
session's CSRF token in `X-CSRF-Token` (403 otherwise). A write names the
record version it saw; a stale one gets 409 with the current version.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from review.corrections import Conflict, NotFound, Written
from review.crops import CropError
from review.deps import (
    Csrf,
    Services,
    Svc,
    UserDep,
    check_password,
    login_session,
    logout_session,
    optional_user,
    session_csrf,
)
from workers.store import reviewed_document

router = APIRouter(prefix="/api", tags=["review"])


# --- bodies ---------------------------------------------------------------------------------------


class Login(BaseModel):
    name: str = Field(max_length=100)
    password: str = Field(max_length=1000)


class Decide(BaseModel):
    action: Literal["accept", "correct", "unreadable"]
    text: str | None = Field(None, max_length=10_000, description="the corrected text (correct)")
    version: int = Field(description="the record version the reviewer saw")


class VersionBody(BaseModel):
    version: int


class BulkItem(Decide):
    record_id: int
    key: str = Field(max_length=200)


class Bulk(BaseModel):
    items: list[BulkItem] = Field(max_length=2000)


# --- session ---------------------------------------------------------------------------------------


@router.get("/session", summary="who is logged in, and the CSRF token for this session")
def get_session(request: Request) -> dict[str, Any]:
    user = optional_user(request)
    return {"user": None if user is None else {"name": user.name, "admin": user.is_admin},
            "csrf": session_csrf(request)}


@router.post("/login", dependencies=[Csrf], summary="log in (CSRF token from GET /api/session)",
             responses={429: {"description": "too many attempts for the account or the address"}})
async def login(body: Login, request: Request) -> dict[str, Any]:
    user = await check_password(request, body.name, body.password)
    if user is None:
        raise HTTPException(401, "wrong name or password")
    login_session(request, user)
    return {"user": {"name": user.name, "admin": user.is_admin}, "csrf": request.session["csrf"]}


@router.post("/logout", dependencies=[Csrf], summary="log out: every session of the reviewer ends")
def logout(request: Request) -> dict[str, bool]:
    logout_session(request)
    return {"ok": True}


# --- the queue and one record -------------------------------------------------------------------------


@router.get("/queue", summary="records needing review, oldest batch first, with counts")
def queue(_: UserDep, svc: Svc, batch: str | None = None, include_done: bool = False) -> dict[str, Any]:
    return svc.reviews.queue(batch, include_done)


@router.get("/records/{record_id}", summary="a record's cells to decide, in reading order")
def record(record_id: int, _: UserDep, svc: Svc) -> dict[str, Any]:
    return svc.reviews.detail(record_id)


@router.get("/records/{record_id}/events", summary="the trail: who changed what, when")
def events(record_id: int, _: UserDep, svc: Svc) -> list[dict[str, Any]]:
    return svc.reviews.events(record_id)


@router.get("/records/{record_id}/cells/{key}/crop.png", response_class=FileResponse,
            summary="the cell as printed: a PNG crop of the stored page")
def crop(record_id: int, key: str, _: UserDep, svc: Svc) -> FileResponse:
    job, cell = svc.reviews.cell_place(record_id, key)
    if cell.get("page") is None or not cell.get("bbox"):
        raise NotFound(f"cell {key!r} has no place on a page")
    path = svc.crops.crop_png(job.store_path, job.sha256, int(cell["page"]), cell["bbox"])
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/records/{record_id}/pages/{page}.png", response_class=FileResponse,
            summary="a page of the record's document as a PNG")
def page_png(record_id: int, page: int, _: UserDep, svc: Svc) -> FileResponse:
    job, _cells = svc.reviews.page_cells(record_id, page)
    path = svc.crops.page_png(job.store_path, job.sha256, page)
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/records/{record_id}/pages/{page}", summary="the record's cells on a page (the grid)")
def page_grid(record_id: int, page: int, _: UserDep, svc: Svc) -> dict[str, Any]:
    job, cells = svc.reviews.page_cells(record_id, page)
    try:
        width, height = svc.crops.page_size_pt(svc.crops.page_png(job.store_path, job.sha256, page))
    except CropError as e:
        raise NotFound(str(e)) from e
    return {"page": page, "width": width, "height": height, "cells": cells}


def _written(svc: Services, w: Written, key: str | None = None) -> dict[str, Any]:
    detail = svc.reviews.detail(w.record_id)
    cell = next((c for c in detail["cells"] if c["key"] == key), None) if key else None
    return {"record_id": w.record_id, "version": w.version, "status": w.status, "cell": cell,
            "validations": detail["validations"], "pending": detail["pending"]}


@router.post("/records/{record_id}/cells/{key}", dependencies=[Csrf],
             summary="decide one cell: accept, correct (with text) or unreadable",
             responses={409: {"description": "the record changed since `version` (or is finished)"}})
def decide(record_id: int, key: str, body: Decide, user: UserDep, svc: Svc) -> dict[str, Any]:
    w = svc.reviews.decide(record_id, key, body.action, body.text, body.version, user.name)
    return _written(svc, w, key)


@router.post("/records/{record_id}/finish", dependencies=[Csrf],
             summary="finish the record (every flagged cell decided)",
             responses={409: {"description": "stale version"}, 422: {"description": "cells pending"}})
def finish(record_id: int, body: VersionBody, user: UserDep, svc: Svc) -> dict[str, Any]:
    w = svc.reviews.finish(record_id, body.version, user.name)
    nxt = next((r["id"] for r in svc.reviews.queue()["records"] if r["status"] == "open"), None)
    return {**_written(svc, w), "next": nxt}


@router.post("/records/{record_id}/reopen", dependencies=[Csrf], summary="reopen a finished record (admin)")
def reopen(record_id: int, body: VersionBody, user: UserDep, svc: Svc) -> dict[str, Any]:
    if not user.is_admin:
        raise HTTPException(403, "only an admin can reopen a record")
    return _written(svc, svc.reviews.reopen(record_id, body.version))


@router.get("/group", summary="one field across many records: flagged, undecided cells")
def group(_: UserDep, svc: Svc, field: str = "indicators[*].score",
          batch: str | None = None) -> dict[str, Any]:
    try:
        items = svc.reviews.group(field, batch)
    except ValueError as e:
        raise HTTPException(400, str(e)) from e
    return {"field": field, "batch": batch, "items": items}


@router.post("/corrections", dependencies=[Csrf],
             summary="many decisions in one pass (the group view); each item reports its result")
def corrections(body: Bulk, user: UserDep, svc: Svc) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    seen: dict[int, tuple[int, int]] = {}  # record -> (version the client saw, version now)
    for item in body.items:
        given, now = seen.get(item.record_id, (item.version, item.version))
        version = now if item.version == given else item.version
        try:
            w = svc.reviews.decide(item.record_id, item.key, item.action, item.text, version,
                                   user.name)
        except Conflict as e:
            results.append({"record_id": item.record_id, "key": item.key, "status": 409,
                            "detail": str(e), "version": e.version})
            continue
        except (NotFound, ValueError) as e:
            results.append({"record_id": item.record_id, "key": item.key, "status": 404,
                            "detail": str(e)})
            continue
        seen[item.record_id] = (given, w.version)
        results.append({"record_id": item.record_id, "key": item.key, "status": 200,
                        "version": w.version})
    return {"results": results}


@router.get("/documents/{job_id}", summary="a stored document, reviewed records in place (record format)")
def document(job_id: str, _: UserDep, svc: Svc) -> dict[str, Any]:
    doc = reviewed_document(svc.store, job_id)
    if doc is None:
        raise NotFound(f"no document for job {job_id}")
    return doc
