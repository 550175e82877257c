"""create_app(config): every route, the lifespan and the shared services, wired in one place.

Shutdown is ordered: stop accepting (uvicorn), close rooms (each flushes its updates and writes a
snapshot), then close the store (which drains its last group commit).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from server.config import Config
from server.http import api
from server.http.errors import ApiError, api_error_handler, http_exception_handler
from server.http.pages import offer_page
from server.http.services import Services
from server.http.socket import offer_socket
from server.metrics import Metrics
from server.rooms.registry import Registry
from server.store.base import Store
from server.store.sqlite import SQLiteStore


def default_store(config: Config) -> Store:
    return SQLiteStore(config.data_dir / "offer-room.db")


def create_app(config: Config, store: Store | None = None) -> Starlette:
    store = store if store is not None else default_store(config)
    metrics = Metrics()
    services = Services(config, store, Registry(store, config, metrics), metrics)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.store.open()
        services.registry.start()
        try:
            yield
        finally:
            await services.registry.close()
            await services.store.close()

    routes = [
        *api.routes,
        Route("/offers/{offer_id}", offer_page),
        WebSocketRoute("/ws/offers/{offer_id}", offer_socket),
        Mount("/assets", StaticFiles(directory=config.web_dir, check_dir=False), name="assets"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={ApiError: api_error_handler, HTTPException: http_exception_handler},
    )
    app.state.services = services
    return app
