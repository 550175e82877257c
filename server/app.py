"""create_app(config): every route, the lifespan and the shared services, wired in one place.

The offer socket (``/ws/offers/{id}``) is not an ASGI route: it is our own WebSocket protocol
(``server/http/socket.py``) that ``server.cli`` hands to uvicorn, bound to ``app.state.services``.

Shutdown is ordered: stop accepting (uvicorn), stop the sweeps and explanations, close rooms (each
flushes its updates and writes a snapshot), stop webhooks, then close the store (which drains its
last group commit).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from server.bus.base import Bus
from server.bus.local import LocalBus
from server.config import Config
from server.explain.choose import make_explainer
from server.http import api, commands, tokens
from server.http.errors import (
    ApiError,
    api_error_handler,
    http_exception_handler,
    internal_error_handler,
)
from server.http.pages import offer_page
from server.http.security import SecurityHeaders
from server.http.services import Services
from server.metrics import Metrics
from server.negotiation.expiry import ExpirySweeper
from server.negotiation.explaining import Explanations
from server.negotiation.service import Negotiation
from server.negotiation.webhooks import WebhookDispatcher
from server.rooms.registry import Registry
from server.rooms.remote import Leases
from server.store.base import Store
from server.store.open import store_from_url


def default_store(config: Config) -> Store:
    """SQLite in the data dir, or PostgreSQL when OFFER_ROOM_DATABASE_URL names one."""
    return store_from_url(config.database_url, config.data_dir)


def make_bus(config: Config) -> tuple[Bus, Leases | None]:
    """The single-node bus, or Redis Streams + Redis leases when OFFER_ROOM_REDIS_URL is set."""
    if not config.redis_url:
        return LocalBus(config.node_id), None
    from redis.asyncio import Redis

    from server.bus.leases import RedisLeases
    from server.bus.redis_streams import RedisBus

    leases = RedisLeases(Redis.from_url(config.redis_url), config.lock_ttl_ms)
    return RedisBus(config.redis_url, config.node_id), leases


def create_app(config: Config, store: Store | None = None) -> Starlette:
    store = store if store is not None else default_store(config)
    metrics = Metrics()
    bus, leases = make_bus(config)
    registry = Registry(store, config, metrics, bus, leases)
    explanations = Explanations(store, config.limits, make_explainer(config),
                                timeout_s=config.explain_timeout_s)
    webhooks = None
    if config.webhook_url:
        webhooks = WebhookDispatcher(store, config.webhook_url, config.webhook_secret,
                                     max_attempts=config.webhook_max_attempts,
                                     backoff_s=config.webhook_backoff_s)
    negotiation = Negotiation(store, config, explanations, outbox=webhooks is not None,
                              after_commit=webhooks.wake if webhooks else None)
    registry.on_load = negotiation.on_load
    sweeper = ExpirySweeper(store, registry, negotiation, config.expiry_sweep_seconds)
    services = Services(config, store, registry, metrics, negotiation, bus)

    async def resync(offer_id: str) -> None:
        await registry.resync(offer_id)
        room = registry.rooms.get(offer_id)
        if room is not None:
            await negotiation.refresh(room)

    bus.on_reconnect = resync

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await store.open()
        await bus.start()
        registry.start()
        sweeper.start()
        if webhooks is not None:
            webhooks.start()
        try:
            yield
        finally:
            # Ordered: stop background work, then close rooms (each flushes), then the store.
            await sweeper.close()
            await explanations.close()
            await registry.close()
            if webhooks is not None:
                await webhooks.close()
            await bus.close()
            await store.close()

    routes = [
        *api.routes,
        *tokens.routes,
        *commands.routes,
        Route("/offers/{offer_id}", offer_page),
        Mount("/assets", StaticFiles(directory=config.web_dir, check_dir=False), name="assets"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders, config=config)],
        exception_handlers={ApiError: api_error_handler, HTTPException: http_exception_handler,
                            Exception: internal_error_handler},
    )
    app.state.services = services
    return app
