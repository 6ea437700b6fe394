"""Inline SVG charts for the report (no script, no external file): heat map, funnel, trend lines."""

from __future__ import annotations

from html import escape
from typing import Any


def heat_map(heat: dict[str, Any], max_rows: int = 20) -> str:
    """Cells coloured by average days in stage ÷ the stage's timeout; text = avg days / count."""
    stages = heat["stages"]
    rows = heat["rows"][:max_rows]
    cw, ch, lw, top = 74, 24, 120, 40
    width, height = lw + cw * len(stages) + 10, top + ch * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart heat" width="{width}" height="{height}" role="img" aria-label="heat map">'
    ]
    for j, stage in enumerate(stages):
        timeout = heat["timeouts"].get(stage)
        parts.append(
            f'<text x="{lw + j * cw + cw / 2}" y="16" font-size="11" text-anchor="middle">{escape(stage)}</text>'
            f'<text x="{lw + j * cw + cw / 2}" y="31" font-size="10" fill="#777" text-anchor="middle">{f"{timeout:g}天" if timeout else "—"}</text>'
        )
    for i, row in enumerate(rows):
        y = top + i * ch
        parts.append(f'<text x="4" y="{y + 16}" font-size="11">{escape(str(row["label"])[:14])}</text>')
        for j, stage in enumerate(stages):
            cell = row["cells"].get(stage)
            x = lw + j * cw
            if not cell:
                parts.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" fill="#f3f3f3"/>')
                continue
            timeout = heat["timeouts"].get(stage)
            ratio = cell["avg_days"] / timeout if timeout else 0
            colour = (
                "#d8f0d8"
                if ratio <= 0.5
                else "#fff2b3"
                if ratio <= 1
                else "#ffc48a"
                if ratio <= 2
                else "#f08080"
            )
            title = f"{row['label']} · {stage}: {cell['count']} 个, 平均 {cell['avg_days']} 天, 超期 {cell['over_timeout']}"
            parts.append(
                f'<g><title>{escape(title)}</title><rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" fill="{colour}"/>'
                f'<text x="{x + cw / 2}" y="{y + 16}" font-size="11" text-anchor="middle">{cell["avg_days"]:.0f}d/{cell["count"]}</text></g>'
            )
    parts.append("</svg>")
    return "".join(parts)


def funnel(steps: list[dict[str, Any]], link: str | None = None) -> str:
    """Horizontal bars per step, width ∝ count; each bar links to its drops when `link` is given."""
    top = max((s["count"] for s in steps), default=0) or 1
    bw, bh, lw = 420, 26, 170
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart funnel" width="{lw + bw + 80}" height="{len(steps) * (bh + 6) + 6}" role="img" aria-label="lead funnel">'
    ]
    for i, s in enumerate(steps):
        y = 4 + i * (bh + 6)
        w = max(2, bw * s["count"] / top)
        bar = f'<rect x="{lw}" y="{y}" width="{w:.1f}" height="{bh}" fill="#4a7bd0"/>'
        if link:
            bar = f'<a href="{escape(link.format(step=s["step"]))}">{bar}</a>'
        dropped = sum(d["count"] for d in s.get("drops", []))
        parts.append(
            f'<text x="4" y="{y + 17}" font-size="12">{escape(s["label"])}</text>{bar}'
            f'<text x="{lw + w + 6:.1f}" y="{y + 17}" font-size="12">{s["count"]}'
            + (f' <tspan fill="#c0392b">(−{dropped})</tspan>' if dropped else "")
            + "</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def trend(points: list[dict[str, Any]], label: str, *, percent: bool = True) -> str:
    """A line over weeks; points without a value are skipped (never drawn as zero)."""
    values = [p for p in points if p.get("value") is not None]
    w, h, pad = 420, 150, 34
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart trend" width="{w}" height="{h}" role="img" aria-label="{escape(label)}">'
    ]
    parts.append(f'<text x="4" y="12" font-size="11">{escape(label)}</text>')
    if not values:
        parts.append(
            f'<text x="{w / 2}" y="{h / 2}" font-size="12" text-anchor="middle" fill="#777">no data yet</text></svg>'
        )
        return "".join(parts)
    low, high = min(p["value"] for p in values), max(p["value"] for p in values)
    span = (high - low) or max(abs(high), 1e-6)
    n = len(points)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad + (w - 2 * pad) * (i / max(n - 1, 1))
        y = h - pad - (h - 2 * pad - 10) * ((v - low) / span if span else 0.5)
        return x, y

    coords = [xy(i, p["value"]) for i, p in enumerate(points) if p.get("value") is not None]
    parts.append(
        f'<polyline fill="none" stroke="#4a7bd0" stroke-width="2" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}"/>'
    )
    for i, p in enumerate(points):
        x = pad + (w - 2 * pad) * (i / max(n - 1, 1))
        parts.append(
            f'<text x="{x:.1f}" y="{h - 8}" font-size="9" text-anchor="middle">{escape(p["week"][-3:])}</text>'
        )
        if p.get("value") is not None:
            _, y = xy(i, p["value"])
            text = f"{p['value'] * 100:.1f}%" if percent else f"{p['value']:g}"
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#4a7bd0"/><text x="{x:.1f}" y="{y - 6:.1f}" font-size="9" text-anchor="middle">{text}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
