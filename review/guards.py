"""ASGI guards around the review app.

- SecureCookie: adds `Secure` to the session cookie of a response to an HTTPS request.
  Behind a reverse proxy the scheme is the proxy's X-Forwarded-Proto, believed only from
  the addresses in EXTRACTOR_REVIEW_TRUSTED_PROXIES (uvicorn's ProxyHeadersMiddleware,
  installed outside these, rewrites the scheme and the client address).
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecureCookie:
    """`Secure` on the `cookie` set in a response to an HTTPS request."""

    def __init__(self, app: ASGIApp, cookie: str):
        self.app = app
        self.prefix = f"{cookie}=".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def securing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [_secure(h, self.prefix) for h in message.get("headers", [])]
            await send(message)

        await self.app(scope, receive, securing_send)


def _secure(header: tuple[bytes, bytes], prefix: bytes) -> Any:
    name, value = header
    if name.lower() == b"set-cookie" and value.startswith(prefix) and b"; secure" not in value.lower():
        return (name, value + b"; secure")
    return header
