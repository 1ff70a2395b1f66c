"""The pages' own style sheet and scripts, and the Vega bundle for their charts, served by the app itself."""

from __future__ import annotations

import functools
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

from aggregates.viz.charts.page import vega_bundle

router = APIRouter(prefix="/static/pages", include_in_schema=False)
STATIC = Path(__file__).resolve().parents[1] / "static"
CACHE = {"Cache-Control": "public, max-age=3600"}


@functools.cache
def _vega() -> bytes:
    return vega_bundle().encode("utf-8")


@router.get("/vega.js")
def vega() -> Response:
    """Vega, Vega-Lite and vega-embed (about 0.9 MB, built once per process)."""
    return Response(_vega(), media_type="text/javascript", headers=CACHE)


@router.get("/{name}")
def asset(name: str) -> FileResponse:
    """A file of ``static/`` by its plain name (nothing outside it is reachable)."""
    files = {p.name: p for p in STATIC.iterdir() if p.is_file()}
    if name not in files:
        raise HTTPException(404, f"no such file: {name}")
    kind = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(files[name], media_type=kind, headers=CACHE)
