"""The shared state every endpoint reaches through ``app.state.services``: a plain class."""

from __future__ import annotations

from server.advice.service import Assistant
from server.bus.base import Bus
from server.config import Config
from server.conversation.service import Conversation
from server.metrics import Metrics
from server.negotiation.service import Negotiation
from server.reports.service import Reports
from server.rooms.registry import Registry
from server.store.base import Store
from server.tasks import Tasks


class Services:
    def __init__(
        self,
        config: Config,
        store: Store,
        registry: Registry,
        metrics: Metrics,
        negotiation: Negotiation,
        bus: Bus,
        tasks: Tasks,
        conversation: Conversation,
        assistant: Assistant,
        reports: Reports,
    ) -> None:
        self.config = config
        self.store = store
        self.registry = registry
        self.metrics = metrics
        self.negotiation = negotiation
        self.bus = bus
        #: Every background task of the node (server/tasks.py).
        self.tasks = tasks
        self.conversation = conversation
        self.assistant = assistant
        #: The outcome report (server/reports/), computed one at a time and cached briefly.
        self.reports = reports
