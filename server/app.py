"""create_app(config): the one place a node is wired — services, routes, protocols, lifespan.

Everything is built here, in dependency order, and handed what it needs at construction: the
store, the bus and its leases, the explanations and webhooks, the negotiation layer (which is the
rooms' hooks), the registry, the expiry sweep, and the two protocol classes uvicorn instantiates
per connection — the HTTP front door (``server/http/front.py``) and the offer socket
(``server/http/socket.py``), found on ``app.state.http_protocol`` and ``app.state.ws_protocol``.
``server/node.py`` runs the result; nothing else wires anything.

Shutdown is ordered: stop accepting (uvicorn), stop the sweeps, explanations and in-flight
commands, close rooms (each flushes its updates and writes a snapshot), stop webhooks and the
bus, close the store (which lets the calls in progress finish), then cancel any task still left.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from server import i18n
from server.advice.service import Assistant
from server.bus.base import Bus, Leases, PresenceBoard
from server.bus.local import LocalBoard, LocalBus
from server.config import Config
from server.conversation.service import Conversation
from server.explain.choose import make_explainer
from server.http import api, assist, commands, messages, reports, tokens
from server.http.errors import (
    ApiError,
    api_error_handler,
    http_exception_handler,
    internal_error_handler,
)
from server.http.front import front_door_class
from server.http.openapi import openapi_json
from server.http.pages import offer_page, report_page
from server.http.reference import reference_css, reference_page
from server.http.security import SecurityHeaders
from server.http.services import Services
from server.http.socket import offer_socket_class
from server.metrics import Metrics
from server.negotiation.expiry import ExpirySweeper
from server.negotiation.explaining import Explanations
from server.negotiation.service import Negotiation
from server.negotiation.webhooks import WebhookDispatcher
from server.notify.digests import DigestDispatcher
from server.notify.mail import SmtpMailer
from server.notify.reminders import ReminderSweeper
from server.reports.service import Reports
from server.rooms.registry import Registry
from server.store.base import Store
from server.store.open import store_from_url
from server.tasks import Tasks
from server.wire import Notice, app_frame


def default_store(config: Config) -> Store:
    """SQLite in the data dir, or PostgreSQL when OFFER_ROOM_DATABASE_URL names one."""
    return store_from_url(config.database_url, config.data_dir)


def make_bus(config: Config, tasks: Tasks) -> tuple[Bus, Leases | None, PresenceBoard]:
    """The single-node bus, or Redis Streams, Redis leases and a presence board in Redis when
    OFFER_ROOM_REDIS_URL is set."""
    if not config.redis_url:
        return LocalBus(config.node_id), None, LocalBoard()
    from redis.asyncio import Redis

    from server.bus.leases import RedisLeases
    from server.bus.presence import RedisBoard
    from server.bus.redis_streams import RedisBus

    redis = Redis.from_url(config.redis_url)
    return (RedisBus(config.redis_url, config.node_id, tasks),
            RedisLeases(redis, config.lock_ttl_ms), RedisBoard(redis, config.node_id, tasks))


def create_app(config: Config, store: Store | None = None,
               owns: Callable[[str], bool] | None = None) -> Starlette:
    """The node's app. ``owns``, given to a worker of a node (``server/node.py``), says which
    offers it owns (by id): its expiry sweep and its reminders keep to those; None, every offer.
    """
    tasks = Tasks()
    store = store if store is not None else default_store(config)
    metrics = Metrics()
    bus, leases, board = make_bus(config, tasks)
    explanations = Explanations(store, config.limits, make_explainer(config),
                                timeout_s=config.explain_timeout_s, tasks=tasks)
    webhooks = None
    if config.webhook_url:
        webhooks = WebhookDispatcher(store, config.webhook_url, config.webhook_secret,
                                     max_attempts=config.webhook_max_attempts,
                                     backoff_s=config.webhook_backoff_s, tasks=tasks,
                                     metrics=metrics)
    assistant = Assistant(store, config, metrics, outbox=webhooks is not None,
                          wake=webhooks.wake if webhooks else None,
                          language_changed=explanations.language_changed, tasks=tasks)
    conversation = Conversation(store, config, metrics, tasks=tasks,
                                screened=assistant.message_flagged)
    negotiation = Negotiation(store, config, explanations, outbox=webhooks is not None,
                              after_commit=webhooks.wake if webhooks else None, tasks=tasks,
                              metrics=metrics, conversation=conversation, assistant=assistant)
    registry = Registry(store, config, metrics, bus=bus, leases=leases, hooks=negotiation,
                        tasks=tasks, board=board)
    digests = DigestDispatcher(
        store, config, registry, tasks=tasks, metrics=metrics,
        mailer=SmtpMailer(config.smtp_url, config.smtp_from) if config.smtp_url else None,
        outbox=webhooks is not None, after_event=webhooks.wake if webhooks else None)

    def show_banner(offer_id: str, user_id: str, text: str, params: dict[str, Any]) -> None:
        """A reminder, shown to that party's sockets on whichever node holds the room."""
        frame = app_frame(Notice(kind="reminder", text=text, params=params))
        room = registry.rooms.get(offer_id)
        if room is not None:
            room.send_to_user(user_id, frame)
        else:
            bus.announce(offer_id, "app", frame, target=user_id)

    reminders = ReminderSweeper(store, config, show_banner, tasks=tasks, metrics=metrics,
                                owns=owns)
    sweeper = ExpirySweeper(store, registry, negotiation, config.expiry_sweep_seconds,
                            tasks=tasks, owns=owns)
    services = Services(config, store, registry, metrics, negotiation, bus, tasks, conversation,
                        assistant, Reports(store, config, metrics))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        i18n.warm()  # once per process, before the first reader (and before gc.freeze)
        await store.open()
        await bus.start()
        registry.start()
        sweeper.start()
        if webhooks is not None:
            webhooks.start()
        digests.start()
        reminders.start()
        try:
            yield
        finally:
            # Ordered: work that writes stops before what it writes to closes.
            await sweeper.close()
            await reminders.close()
            await explanations.close()
            await tasks.cancel("commands")
            await registry.close()
            await digests.close()
            await tasks.cancel("notify")
            if webhooks is not None:
                await webhooks.close()
            await bus.close()
            await store.close()
            await tasks.close()

    routes = [
        *api.routes,
        *tokens.routes,
        *commands.routes,
        *messages.routes,
        *assist.routes,
        *reports.routes,
        Route("/offers/{offer_id}", offer_page),
        Route("/reports", report_page),
        Route("/openapi.json", openapi_json),
        Route("/docs/api", reference_page),
        Route("/docs/api.css", reference_css),
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
    app.state.http_protocol = front_door_class(services)
    app.state.ws_protocol = offer_socket_class(services)
    return app
