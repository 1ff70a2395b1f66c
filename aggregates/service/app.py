"""The FastAPI application: API, pages, error answers in JSON, and a cap on request bodies."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Receive, Scope, Send

from aggregates.errors import AggregatesError
from aggregates.service import api, pages, web
from aggregates.service.answers import CoverageDesk
from aggregates.service.db import make_engine, sessions
from aggregates.service.settings import BODY_LIMIT, Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """The web application over ``settings``' database (already migrated) and storage."""
    # fastapi-offline: /docs and /redoc with their scripts served from here, not a CDN (offline offices)
    app = FastAPIOffline(
        lifespan=_lifespan,
        title="aggregates planning service",
        description="Jobs for planners, published plans for officials, coverage answers for project teams.",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    app.state.sessions = sessions(app.state.engine)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(web.router)  # the role pages (aggregates/service/web)
    app.add_exception_handler(AggregatesError, _user_error)
    app.add_exception_handler(Exception, _internal_error)
    app.add_middleware(BodyLimit, limit=BODY_LIMIT)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The coverage desk's processes live as long as the server."""
    app.state.desk = CoverageDesk(app.state.settings.coverage_processes)
    try:
        yield
    finally:
        app.state.desk.close()
        app.state.engine.dispose()


async def _user_error(request: Request, exc: AggregatesError) -> JSONResponse:
    """The CLI's message (file, field, value, fix), one problem per line, as a 422."""
    lines = exc.message.splitlines()
    return JSONResponse({"detail": exc.message, "problems": [line.strip(" -") for line in lines[1:]] or lines}, 422)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": f"internal error ({type(exc).__name__}); see the server's log"}, 500)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413 (by Content-Length, and while reading a chunked one)."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._refuse(send)
            return
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse({"detail": f"request body over {self.limit:,} bytes; send a smaller scenario"}, 413)
        await send({"type": "http.response.start", "status": 413, "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": response.body})


class _TooLarge(Exception):
    pass
