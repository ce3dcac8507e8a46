"""The visual check of a layout (admin only): a stored document's page with every cell a
layout maps outlined and named with the value it would emit, the layout's labels, and
the inked cells nothing reads (extractor.layout.show draws it; `extractor layouts show`
is the CLI twin).

    /admin/records/{id}/layout-check?layout=ID&page=N       the page (a form to switch)
    /admin/records/{id}/layout-check.png?layout=ID&page=N   the picture

The layouts offered are the shipped ones (EXTRACTOR_LAYOUTS_DIR/*.yaml) and the drafts
in its drafts/ folder (`extractor layouts draft FILE -o layouts/drafts/NEW.yaml`), which
the extractor itself never loads: a draft is seen on real documents before it is used.
"""

from __future__ import annotations

import io
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from extractor.errors import LayoutSpecError
from extractor.layout.spec import LayoutSpec, load_layout
from review.corrections import NotFound
from review.crops import _render_lock
from review.deps import optional_user, services
from review.pages import _to_login, render

router = APIRouter(include_in_schema=False)


def layout_choices(layouts_dir: Path) -> dict[str, LayoutSpec]:
    """Shipped layouts, then drafts (a draft does not hide a shipped layout of its id)."""
    out: dict[str, LayoutSpec] = {}
    folder = Path(layouts_dir)
    for path in sorted(folder.glob("*.yaml")) + sorted((folder / "drafts").glob("*.yaml")):
        try:
            spec = load_layout(path)
        except LayoutSpecError:
            continue
        out.setdefault(spec.id, spec)
    return out


def _admin(request: Request) -> Response | None:
    user = optional_user(request)
    if user is None:
        return _to_login(request)
    if not user.is_admin:
        return HTMLResponse("the layout check is for admins", status_code=403)
    return None


@router.get("/admin/records/{record_id}/layout-check")
def layout_check_page(request: Request, record_id: int, layout: str = "", page: int = 0) -> Response:
    refused = _admin(request)
    if refused is not None:
        return refused
    svc = services(request)
    try:
        r = svc.reviews.detail(record_id)
    except NotFound:
        return HTMLResponse("no such record", status_code=404)
    choices = layout_choices(svc.settings.layouts_dir)
    layout = layout if layout in choices else r["layout"]
    page = page if page in r["pages"] else r["pages"][0]
    return render(request, "layout_check.html", optional_user(request), r=r, layouts=sorted(choices),
                  layout=layout, page=page)  # fmt: skip


@router.get("/admin/records/{record_id}/layout-check.png")
def layout_check_png(request: Request, record_id: int, layout: str, page: int) -> Response:
    from extractor.layout.show import show_page

    refused = _admin(request)
    if refused is not None:
        return refused
    svc = services(request)
    spec = layout_choices(svc.settings.layouts_dir).get(layout)
    if spec is None:
        return HTMLResponse(f"no layout {layout!r}", status_code=404)
    try:
        job, _ = svc.reviews.page_cells(record_id, page)
    except NotFound as e:
        return HTMLResponse(str(e), status_code=404)
    with _render_lock:  # PDFium is not thread-safe
        image = show_page(Path(job.store_path), page, spec, svc.settings)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return Response(buf.getvalue(), media_type="image/png", headers={"Cache-Control": "no-store"})
