"""The review service: `create_app(settings)` -> a FastAPI app over the result store.

    /api/...   the JSON API (OpenAPI at /docs), see review/api.py
    /, /records/{id}, /records/{id}/pages/{n}, /group, /login   the pages (review/pages.py)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from extractor.config import Settings
from review import api, layout_check, pages
from review.auth import Users, secret_key
from review.corrections import Conflict, Incomplete, NotFound, ReviewStore, layouts_by_id
from review.crops import CropError, Crops
from review.deps import Services
from review.guards import SecureCookie
from review.throttle import LoginGate, LoginThrottle
from workers.store import ResultStore

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "review_session"
SESSION_MAX_AGE = 12 * 3600


def create_app(settings: Settings, store: ResultStore | None = None) -> FastAPI:
    store = store or ResultStore(settings.database_url)
    services = Services(
        settings, store, ReviewStore(store, layouts_by_id(settings.layouts_dir)), Users(store),
        Crops(settings), LoginThrottle(settings),
    )
    app = FastAPI(
        title="form-extractor review queue",
        description="Flagged cells of extracted records, decided by people; the reviewed records.",
        version="1",
        docs_url=None,  # served below from local assets: FastAPI's default pulls them from a CDN
        redoc_url=None,
        # a body announced larger (Content-Length) is refused with 413 before it is read; a
        # streamed one as soon as it passes the cap (Starlette's RequestBodyLimitMiddleware)
        max_body_size=settings.review_max_body_kb * 1024,
    )
    app.state.services = services
    app.add_middleware(
        SessionMiddleware, secret_key=secret_key(settings.review_secret_file),
        session_cookie=SESSION_COOKIE, max_age=SESSION_MAX_AGE, same_site="strict",
        https_only=settings.review_cookie_secure == "on",
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _api_docs(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(layout_check.router)
    _error_handlers(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith("/docs"):  # Swagger UI starts with an inline script
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
            )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    app.add_middleware(LoginGate, throttle=services.throttle)
    _transport(app, settings)
    return app


def _transport(app: FastAPI, settings: Settings) -> None:
    """`Secure` cookies over HTTPS (review_cookie_secure=auto); the scheme and the client
    address from X-Forwarded-Proto / -For when the peer is a trusted proxy (outermost)."""
    if settings.review_cookie_secure == "auto":
        app.add_middleware(SecureCookie, cookie=SESSION_COOKIE)
    if settings.review_trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        proxies = [p.strip() for p in settings.review_trusted_proxies.split(",") if p.strip()]
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)


def _api_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the swagger-ui-bundle wheel: works with no network."""
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Conflict)
    async def conflict(_: Request, e: Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(e), "version": e.version}, status_code=409)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, e: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(e)}, status_code=404)

    @app.exception_handler(CropError)
    async def no_crop(_: Request, e: CropError) -> JSONResponse:
        return JSONResponse({"detail": str(e)}, status_code=404)

    @app.exception_handler(Incomplete)
    async def incomplete(_: Request, e: Incomplete) -> JSONResponse:
        return JSONResponse({"detail": str(e), "pending": e.pending}, status_code=422)
