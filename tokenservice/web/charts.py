"""The charts of the council report (beheer): one small bar chart per category, as SVG.

Drawn on the server as geometry the template turns into SVG (no script on the page).
The report's suppression rule holds in the picture too: a count of 1–4 is drawn as a
hatched bar as high as the threshold, whatever the true count.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenservice.audit import reports

__all__ = ["MEASURE_LABELS", "Bar", "Chart", "chart"]

#: The three bars of a quarter, as the report page and the bars' titles name them.
MEASURE_LABELS = {"issued": _l("uitgegeven"), "renewed": _l("verlengd"), "revoked": _l("ingetrokken")}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    measure: str
    label: str  # the displayed count: "0", "<5" or the number
    suppressed: bool
    title: str


@dataclass(frozen=True)
class Chart:
    category: str
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    left: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (y, label)
    quarter_labels: list[tuple[float, str]]  # (x centre, label)
    y_label: str = ""  # the vertical axis: what is counted
    x_label: str = ""  # the horizontal axis


#: Sized to be read on a screen and on paper for the council: bars with room for their
#: number above them, 14–15 px text, both axes named.
BAR_W, BAR_GAP, GROUP_GAP = 30, 4, 40
LEFT, TOP, PLOT_H, BOTTOM = 76, 30, 280, 64
MIN_WIDTH = 640


def _nice_max(value: int) -> tuple[int, int]:
    """An axis top >= value and a tick step giving at most five steps."""
    step = 1
    while True:
        for m in (1, 2, 5):
            s = step * m
            if value <= s * 5:
                return -(-value // s) * s or s, s
        step *= 10


def chart(report: reports.Report) -> list[Chart]:
    """Bar geometry per category. A suppressed count (1–4) is drawn as a hatched bar as
    high as the threshold, whatever the true count, so the bar height gives nothing away."""
    shown_max = max(
        [reports.THRESHOLD]
        + [r.count(m) for r in report.rows for m in reports.MEASURES
           if not reports.is_suppressed(r.count(m))]
    )
    top, step = _nice_max(shown_max)
    group_w = 3 * BAR_W + 2 * BAR_GAP
    quarters = max(1, len(report.quarters))
    # Few quarters: wider gaps rather than a tiny chart.
    gap = max(GROUP_GAP, (MIN_WIDTH - LEFT - quarters * group_w) // (quarters + 1))
    width = LEFT + quarters * (group_w + gap) + gap
    height = TOP + PLOT_H + BOTTOM
    bottom = TOP + PLOT_H
    ticks = [(bottom - PLOT_H * v / top, str(v)) for v in range(0, top + 1, step)]
    charts = []
    for category in report.categories:
        bars: list[Bar] = []
        labels: list[tuple[float, str]] = []
        for qi, row in enumerate(report.for_category(category)):
            x0 = LEFT + gap + qi * (group_w + gap)
            labels.append((x0 + group_w / 2, row.quarter))
            for mi, measure in enumerate(reports.MEASURES):
                n = row.count(measure)
                suppressed = reports.is_suppressed(n)
                value = reports.THRESHOLD if suppressed else n
                h = PLOT_H * value / top
                shown = reports.suppress(n)
                bars.append(Bar(
                    x=x0 + mi * (BAR_W + BAR_GAP), y=bottom - h, width=BAR_W, height=h,
                    measure=measure, label=shown, suppressed=suppressed,
                    title=f"{row.quarter} · {category} · {MEASURE_LABELS[measure]}: {shown}",
                ))
        charts.append(Chart(category=category, width=width, height=height, plot_top=TOP,
                            plot_bottom=bottom, left=LEFT, bars=bars, ticks=ticks,
                            quarter_labels=labels, y_label=_("Aantal passen"),
                            x_label=_("Kwartaal")))
    return charts
