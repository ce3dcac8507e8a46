"""The pages: login, the queue, a record's flagged cells, a page with its grid, a group view.

Rendered by Jinja2 with autoescaping on, so every text read from a document
is shown as text; review/static/review.js adds the keyboard and talks to the
JSON API. No inline script (the Content-Security-Policy forbids it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from review.auth import User, csrf_ok
from review.corrections import NotFound
from review.deps import check_password, login_session, logout_session, optional_user, services, session_csrf
from review.i18n import environment, gettext, language_of, remember_language, switch_links

router = APIRouter(include_in_schema=False)


def lang(request: Request) -> str:
    return language_of(request, services(request).settings.language)


def tr(request: Request, message: str) -> str:
    """A message of this module in the request's language."""
    return gettext(lang(request), message)


def render(request: Request, name: str, user: User | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    language = lang(request)
    html = environment(language).get_template(name).render(
        user=user, csrf=session_csrf(request), switch=switch_links(request, language), **context)
    response = HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
    remember_language(request, response)
    return response


def _message(request: Request, text: str, status_code: int) -> HTMLResponse:
    return render(request, "message.html", optional_user(request), status_code, message=text)


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no `//host`, no scheme) is followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next), error=None)


@router.post("/login")
async def login_form(
    request: Request, name: str = Form(..., max_length=100), password: str = Form(..., max_length=1000),
    csrf: str = Form(""), next: str = Form("/"),
) -> Response:
    if not csrf_ok(request.session.get("csrf"), csrf):
        return render(request, "login.html", None, next=_safe_next(next),
                      error=tr(request, "The form expired; try again."))
    try:
        user = await check_password(request, name, password)
    except HTTPException as e:  # 429: over the attempts of the account or the address
        wait = (e.headers or {})["Retry-After"]
        error = tr(request, "Too many login attempts; try again in %(seconds)s s.") % {"seconds": wait}
        page = render(request, "login.html", None, next=_safe_next(next), error=error)
        page.status_code, page.headers["Retry-After"] = e.status_code, wait
        return page
    if user is None:
        return render(request, "login.html", None, next=_safe_next(next),
                      error=tr(request, "Wrong name or password."))
    login_session(request, user)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout_form(request: Request, csrf: str = Form("")) -> Response:
    if csrf_ok(request.session.get("csrf"), csrf):
        logout_session(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def queue_page(request: Request, batch: str | None = None, done: bool = False) -> Response:
    user = optional_user(request)
    if user is None:
        return _to_login(request)
    q = services(request).reviews.queue(batch, include_done=done)
    return render(request, "queue.html", user, batches=q["batches"], records=q["records"],
                  batch=batch, done=done)


@router.get("/next")
def next_record(request: Request) -> Response:
    """The oldest open record of the queue (where finishing a record goes next)."""
    if optional_user(request) is None:
        return _to_login(request)
    records = services(request).reviews.queue()["records"]
    return RedirectResponse(f"/records/{records[0]['id']}" if records else "/", status_code=303)


@router.get("/records/{record_id}")
def record_page(request: Request, record_id: int) -> Response:
    user = optional_user(request)
    if user is None:
        return _to_login(request)
    try:
        r = services(request).reviews.detail(record_id)
    except NotFound:
        return _message(request, tr(request, "No such record."), 404)
    involved = {k for v in r["validations"] for k in v.get("cells", [])}
    project = (r["record"].get("fields", {}).get("project_name") or {}).get("text", "")
    return render(request, "record.html", user, r=r, involved=involved, project=project)


@router.get("/records/{record_id}/pages/{page}")
def page_view(request: Request, record_id: int, page: int) -> Response:
    user = optional_user(request)
    if user is None:
        return _to_login(request)
    svc = services(request)
    try:
        job, cells = svc.reviews.page_cells(record_id, page)
        width, height = svc.crops.page_size_pt(svc.crops.page_png(job.store_path, job.sha256, page))
    except NotFound:
        return _message(request, tr(request, "No such page of this record."), 404)
    return render(request, "page.html", user, record_id=record_id, page=page, cells=cells,
                  width=width, height=height, document=job.filename)


@router.get("/group")
def group_page(request: Request, field: str = "indicators[*].score", batch: str | None = None) -> Response:
    user = optional_user(request)
    if user is None:
        return _to_login(request)
    try:
        items = services(request).reviews.group(field, batch)
    except ValueError:
        return _message(request, tr(request, "Not a field pattern: %(field)s") % {"field": field}, 400)
    return render(request, "group.html", user, items=items, field=field, batch=batch)
