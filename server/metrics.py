"""Process-wide counters rendered as Prometheus text; one instance lives on the app's state."""

from __future__ import annotations

from collections import Counter


class Metrics:
    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()
        self.rejections: Counter[str] = Counter()
        self.closes: Counter[int] = Counter()
        #: Times each bound of the resource budget was reached (README, "Limits").
        self.limits: Counter[str] = Counter()
        self.connections = 0
        self.rooms = 0

    def limit_hit(self, limit: str) -> None:
        """Count one refusal (or drop) because ``limit`` was reached."""
        self.limits[limit] += 1

    def render(self, extra: list[str] | None = None) -> str:
        lines = [
            "# TYPE offer_room_connections gauge",
            f"offer_room_connections {self.connections}",
            "# TYPE offer_room_rooms gauge",
            f"offer_room_rooms {self.rooms}",
        ]
        for name, value in sorted(self.counters.items()):
            lines += [f"# TYPE offer_room_{name}_total counter", f"offer_room_{name}_total {value}"]
        lines.append("# TYPE offer_room_rejected_edits_total counter")
        for code, value in sorted(self.rejections.items()):
            lines.append(f'offer_room_rejected_edits_total{{code="{code}"}} {value}')
        lines.append("# TYPE offer_room_closes_total counter")
        for close_code, value in sorted(self.closes.items()):
            lines.append(f'offer_room_closes_total{{code="{close_code}"}} {value}')
        lines.append("# TYPE offer_room_limit_hits_total counter")
        for limit, value in sorted(self.limits.items()):
            lines.append(f'offer_room_limit_hits_total{{limit="{limit}"}} {value}')
        return "\n".join(lines + (extra or [])) + "\n"
