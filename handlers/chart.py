"""The report's chart: cases filed per week by their status now, and the on-time share of
the results given each week. A PNG, for the CLI to save and the bot to send in chat."""
from __future__ import annotations

import collections
import datetime as dt
import io

from handlers.reports import Report

STATUS_COLOURS = {"new": "#9E9E9E", "accepted": "#42A5F5", "in_progress": "#1E88E5",
                  "reopened": "#FB8C00", "resolved": "#66BB6A", "closed": "#2E7D32",
                  "closed_unconfirmed": "#A5D6A7", "rejected": "#E53935"}


def week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def render(report: Report) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # no screen: render to memory
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    weeks = sorted({week(c.filed_on) for c in report.cases}) or [week(report.start)]
    filed: dict[str, collections.Counter[dt.date]] = collections.defaultdict(
        collections.Counter)
    for c in report.cases:
        filed[c.status][week(c.filed_on)] += 1
    results: collections.Counter[dt.date] = collections.Counter()
    on_time: collections.Counter[dt.date] = collections.Counter()
    for c in report.cases:
        if c.result_on is not None:
            results[week(c.result_on)] += 1
            on_time[week(c.result_on)] += bool(c.on_time)

    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=100)
    bottom = [0] * len(weeks)
    for status, colour in STATUS_COLOURS.items():
        heights = [filed[status][w] for w in weeks]
        if any(heights):
            ax.bar([w.isoformat() for w in weeks], heights, bottom=bottom, color=colour,
                   label=status.replace("_", " "))
            bottom = [b + h for b, h in zip(bottom, heights)]
    ax.set_ylabel("cases filed (by status now)")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("week starting")
    ax.tick_params(axis="x", rotation=45, labelsize=7)
    share = ax.twinx()
    points = [(w.isoformat(), 100 * on_time[w] / results[w]) for w in weeks if results[w]]
    if points:
        share.plot([p[0] for p in points], [p[1] for p in points], color="black", marker="o",
                   label="on time %")
    share.set_ylim(0, 105)
    share.set_ylabel("results on time (%)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", fontsize=7, ncol=2)
    ax.set_title(f"Complaints {report.start.isoformat()} to {report.end.isoformat()}")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
