"""The report's charts: p99 latency against load (scenario e), RSS against connections (d)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

from harness.png import GLYPH_H, Canvas, Color, text_width
from harness.scenarios import step_invalid

Series = dict[str, list[tuple[float, float]]]

COLORS: dict[str, Color] = {
    "offer-room": (214, 39, 40),
    "offer-room-2w": (255, 127, 14),
    "node-ref": (31, 119, 180),
    "hocuspocus": (44, 160, 44),
    "pycrdt": (148, 103, 189),
}
GRID: Color = (225, 225, 225)
INK: Color = (40, 40, 40)
W, H = 960, 540
LEFT, RIGHT, TOP, BOTTOM = 80, 190, 50, 60


def _nice_step(span: float, ticks: int = 6) -> float:
    raw = span / max(ticks, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)


def _label(v: float) -> str:
    if v >= 1000 and v % 1000 == 0:
        return f"{v / 1000:g}k"
    return f"{v:g}"


def line_chart(path: Path, title: str, xlabel: str, ylabel: str, series: Series, *,
               log_y: bool = False, hline: float | None = None) -> None:
    points = [p for pts in series.values() for p in pts]
    if not points:
        return
    c = Canvas(W, H)
    x0, x1, y0, y1 = LEFT, W - RIGHT, TOP, H - BOTTOM
    xmax = max(p[0] for p in points) * 1.05 or 1.0
    xstep = _nice_step(xmax)
    xmax = math.ceil(xmax / xstep) * xstep
    ys = [p[1] for p in points] + ([hline] if hline else [])
    if log_y:
        lo = math.floor(math.log10(max(min(y for y in ys if y > 0), 1e-3)))
        hi = math.ceil(math.log10(max(ys)))
        hi = hi if hi > lo else lo + 1
        yticks = [10.0**k for k in range(lo, hi + 1)]

        def ypix(v: float) -> int:
            v = max(v, 10.0**lo)
            return round(y1 - (math.log10(v) - lo) / (hi - lo) * (y1 - y0))
    else:
        ystep = _nice_step(max(ys) * 1.05 or 1.0)
        ytop = math.ceil(max(ys) * 1.05 / ystep) * ystep or 1.0
        yticks = [ystep * k for k in range(round(ytop / ystep) + 1)]

        def ypix(v: float) -> int:
            return round(y1 - v / ytop * (y1 - y0))

    def xpix(v: float) -> int:
        return round(x0 + v / xmax * (x1 - x0))

    for v in yticks:
        c.line(x0, ypix(v), x1, ypix(v), GRID)
        label = _label(v)
        c.text(x0 - 8 - text_width(label), ypix(v) - GLYPH_H // 2, label, INK)
    for k in range(round(xmax / xstep) + 1):
        v = k * xstep
        c.line(xpix(v), y0, xpix(v), y1, GRID)
        label = _label(v)
        c.text(xpix(v) - text_width(label) // 2, y1 + 8, label, INK)
    c.line(x0, y1, x1, y1, INK)
    c.line(x0, y0, x0, y1, INK)
    if hline is not None:
        c.line(x0, ypix(hline), x1, ypix(hline), (120, 120, 120), dash=6)
        c.text(x1 - text_width(f"{hline:g} ms"), ypix(hline) - 12, f"{hline:g} ms", INK)
    for name, pts in series.items():
        color = COLORS.get(name, INK)
        pix = [(xpix(x), ypix(y)) for x, y in sorted(pts)]
        for (ax, ay), (bx, by) in itertools.pairwise(pix):
            c.line(ax, ay, bx, by, color, width=2)
        for px, py in pix:
            c.box(px - 3, py - 3, px + 3, py + 3, color)
    for k, name in enumerate(series):
        ly = y0 + 10 + k * 22
        c.box(x1 + 20, ly, x1 + 34, ly + 10, COLORS.get(name, INK))
        c.text(x1 + 42, ly + 2, name, INK)
    c.text(x0, 16, title, INK, scale=2)
    c.text((x0 + x1 - text_width(xlabel)) // 2, H - 24, xlabel, INK)
    c.text(8, y0 - 12, ylabel, INK)
    c.save(path)


def charts(results: dict[str, Any], out: Path) -> list[str]:
    """Draws whatever the results hold; returns the file names written."""
    written = []
    sat = results["scenarios"].get("e")
    if sat:
        series: Series = {}
        for row in sat["rows"]:
            # A step where the generator lagged measured the generator: not drawn.
            pts = [(s["delivered_per_s"], s["latency_ms"]["p99"]) for s in row.get("steps", [])
                   if s["latency_ms"]["p99"] is not None and step_invalid(s) is None]
            if pts:
                series[row["server"]] = pts
        if series:
            line_chart(out / "latency-vs-load.png", "p99 latency against load (400 clients)",
                       "delivered updates/s", "p99 ms (log)", series, log_y=True, hline=100.0)
            written.append("latency-vs-load.png")
    idle = results["scenarios"].get("d")
    if idle:
        series = {}
        for row in idle["rows"]:
            if row.get("rss_curve"):
                series[row["server"]] = [(n, kb / 1024) for n, kb in row["rss_curve"]]
        if series:
            line_chart(out / "rss-vs-connections.png", "server rss against idle connections",
                       "connections", "rss mb", series)
            written.append("rss-vs-connections.png")
    return written
