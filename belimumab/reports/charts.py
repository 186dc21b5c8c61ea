"""Cohort figures from the analysis DataFrames (no ORM), as plotly.js figure specs.

- `lab_boxes`: Figure 1 of the study, one box plot per time point for anti-dsDNA, CH50, C3, C4
  (patients on belimumab at the time point), every value shown (above `BOX_POINTS_LIMIT`
  values per box: quartiles, whiskers and the values beyond them), the normal band shaded;
- `score_boxes`: SELENA-SLEDAI and corticosteroid dose per time point;
- `retention_curve`: Kaplan-Meier persistence on belimumab (`stats.kaplan_meier` table);
- `waste_bars`: per month, the cost of the drug wasted and what the rounding policy saved
  (the report's `drug_cost.waste_by_month`, `reports.waste`).

Each figure is the plain dict `{"data": [...], "layout": {...}}` that plotly's `go.Figure` would
serialise to (same traces, subplot grid, shapes and default template): building graph objects
validates and copies every one of the ~100,000 points of a 10,000-patient cohort, seconds of
work for an identical result. `go.Figure(spec)` still reads them (the tests validate them so).

Texts come in a `labels` mapping (translated by the caller; escaped here with
`core.charts.plot_text` where they enter a figure, as plotly.js renders tags) and `separators`
gives the decimal and thousands separators (", " in French), so the figures follow the user's
language. The caller embeds them (`belimumab.core.charts.figure_html` on the page: no inline
script).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from belimumab.core.charts import default_template, plot_text
from belimumab.domain.response import TIMEPOINTS
from belimumab.domain.units import DAYS_PER_MONTH
from belimumab.reports.dataset import LAB_TESTS

LAB_COLOURS = {"anti_dsdna": "#6f42c1", "ch50": "#d63384", "c3": "#0d6efd", "c4": "#20c997"}
BAND_COLOUR = "rgba(25, 135, 84, 0.12)"
SLEDAI_COLOUR = "#0d6efd"
STEROID_COLOUR = "#fd7e14"
RETENTION_COLOUR = "#198754"
WASTE_COLOUR = "#dc3545"
SAVED_COLOUR = "#198754"

Figure = dict[str, Any]

# Above this many values a box is drawn from its quartiles, with only the values beyond its
# whiskers: every value of a 10,000-patient cohort is ~100,000 points (1 MB of page that the
# browser draws one by one) for boxes that look the same.
BOX_POINTS_LIMIT = 500


def _figure(layout: dict[str, Any]) -> Figure:
    template = default_template()
    return {"data": [], "layout": {**({"template": template} if template else {}), **layout}}


def _axis_names(k: int) -> tuple[str, str]:
    """Trace references of subplot k (1-based): ("x", "y"), ("x2", "y2")..."""
    suffix = str(k) if k > 1 else ""
    return f"x{suffix}", f"y{suffix}"


def _subplots(
    rows: int, cols: int, titles: Sequence[str], horizontal_spacing: float | None = None
) -> Figure:
    """An empty grid of rows x cols cartesian subplots with their titles, as plotly's
    `make_subplots(rows, cols, subplot_titles, horizontal_spacing)` lays it out (same
    arithmetic, so the same floats; tests/reports/test_dashboard.py compares them)."""
    h = 0.2 / cols if horizontal_spacing is None else horizontal_spacing
    v = 0.5 / rows  # make_subplots' default with subplot titles
    widths = [(1.0 - h * (cols - 1)) / cols] * cols
    heights = [(1.0 - v * (rows - 1)) / rows] * rows
    # make_subplots' grid: start corners, bottom row first; the top-left cell is subplot 1.
    grid = [
        [(sum(widths[:c]) + c * h, sum(heights[:r]) + r * v) for c in range(cols)]
        for r in range(rows)[::-1]
    ]
    layout: dict[str, Any] = {}
    annotations = []
    for r in range(rows):
        for c in range(cols):
            k = r * cols + c + 1
            x_ref, y_ref = _axis_names(k)
            x_domain = [grid[r][c][0], grid[r][c][0] + widths[c]]
            y_start, y_end = grid[r][c][1], grid[r][c][1] + heights[-1 - r]
            # make_subplots rounds float noise just outside [0, 1]
            y_domain = [min(max(y_start, 0.0), 1.0), min(max(y_end, 0.0), 1.0)]
            layout[f"xaxis{k if k > 1 else ''}"] = {"anchor": y_ref, "domain": x_domain}
            layout[f"yaxis{k if k > 1 else ''}"] = {"anchor": x_ref, "domain": y_domain}
            if k <= len(titles) and titles[k - 1]:
                annotations.append(
                    {
                        "font": {"size": 16},
                        "showarrow": False,
                        "text": plot_text(titles[k - 1]),
                        "x": sum(x_domain) / 2.0,
                        "xanchor": "center",
                        "xref": "paper",
                        "y": y_domain[1],
                        "yanchor": "bottom",
                        "yref": "paper",
                    }
                )
    if annotations:
        layout["annotations"] = annotations
    return _figure(layout)


def _axes(fig: Figure, letter: str) -> list[dict[str, Any]]:
    layout = fig["layout"]
    return [layout[k] for k in layout if k == f"{letter}axis" or k.startswith(f"{letter}axis")]


def _layout(fig: Figure, separators: str, height: int) -> Figure:
    fig["layout"].update(
        margin={"l": 50, "r": 20, "t": 40, "b": 40},
        font={"size": 12},
        height=height,
        separators=separators,
        showlegend=False,
        plot_bgcolor="white",
    )
    for axis in _axes(fig, "x"):
        axis.update(showline=True, linecolor="#adb5bd")
    for axis in _axes(fig, "y"):
        axis.update(showgrid=True, gridcolor="#e9ecef", zeroline=False)
    return fig


def _time_point_order(fig: Figure) -> None:
    for axis in _axes(fig, "x"):
        axis.update(categoryorder="array", categoryarray=list(TIMEPOINTS))


def _boxes(fig: Figure, frame: pd.DataFrame, column: str, colour: str, subplot: int) -> None:
    """One box per time point on subplot `subplot` (1-based): every value drawn, or above
    `BOX_POINTS_LIMIT` values the box from its quartiles (`_summary_box`)."""
    x_ref, y_ref = _axis_names(subplot)
    for tp in TIMEPOINTS:
        values = pd.to_numeric(
            frame.loc[frame["timepoint"] == tp, column].astype("float64"), errors="coerce"
        ).dropna()
        if len(values) > BOX_POINTS_LIMIT:
            fig["data"].extend(_summary_box(values.to_numpy(), tp, colour, x_ref, y_ref))
            continue
        fig["data"].append(
            {
                "boxpoints": "all",
                "fillcolor": "rgba(0,0,0,0)",
                "hovertemplate": f"{tp}: %{{y}}<extra></extra>",
                "jitter": 0.4,
                "line": {"color": colour},
                "marker": {"color": colour, "opacity": 0.7, "size": 5},
                "name": tp,
                "pointpos": 0,
                "x": [tp] * len(values),
                "y": values.tolist(),
                "type": "box",
                "xaxis": x_ref,
                "yaxis": y_ref,
            }
        )


def _summary_box(
    values: np.ndarray, tp: str, colour: str, x_ref: str, y_ref: str
) -> list[dict[str, Any]]:
    """A box drawn from its figures, and its outliers as points: quartiles as the report's
    tables compute them (linear interpolation, R type 7), whiskers to the furthest values within
    1.5 IQR of the box (Tukey, plotly's own rule)."""
    q1, median, q3 = (float(q) for q in np.percentile(values, [25, 50, 75]))
    low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    inside = values[(values >= low) & (values <= high)]
    outliers = values[(values < low) | (values > high)]
    return [
        {
            "boxpoints": False,
            "fillcolor": "rgba(0,0,0,0)",
            "line": {"color": colour},
            "lowerfence": [float(inside.min())],
            "median": [median],
            "name": tp,
            "q1": [q1],
            "q3": [q3],
            "upperfence": [float(inside.max())],
            "x": [tp],
            "type": "box",
            "xaxis": x_ref,
            "yaxis": y_ref,
        },
        {
            "hovertemplate": f"{tp}: %{{y}}<extra></extra>",
            "marker": {"color": colour, "opacity": 0.7, "size": 5},
            "mode": "markers",
            "showlegend": False,
            "x": [tp] * len(outliers),
            "y": outliers.tolist(),
            "type": "scatter",
            "xaxis": x_ref,
            "yaxis": y_ref,
        },
    ]


def lab_boxes(
    rows: pd.DataFrame,
    ranges: Mapping[str, tuple[float | None, float | None]],
    labels: Mapping[str, str],
    separators: str = ".,",
    tests: Sequence[str] = LAB_TESTS,
) -> Figure:
    """Figure 1: a 2 x 2 grid, one panel per test, boxes at M0 / M6 / M12 and the normal band.

    `rows`: the analysis rows of the patients on belimumab at each time point (columns
    `timepoint` and one per test); `ranges`: test -> (lower, upper) of the normal range.
    """
    titles = [f"{labels.get(t, t)} ({labels.get(f'{t}_unit', '')})" for t in tests]
    fig = _subplots(2, 2, titles, horizontal_spacing=0.1)
    shapes = []
    for i, test in enumerate(tests):
        _boxes(fig, rows, test, LAB_COLOURS.get(test, "#495057"), i + 1)
        lower, upper = ranges.get(test, (None, None))
        if lower is not None or upper is not None:
            values = pd.to_numeric(rows[test].astype("float64"), errors="coerce").dropna()
            top = upper if upper is not None else float(values.max()) if len(values) else 0.0
            x_ref, y_ref = _axis_names(i + 1)
            shapes.append(
                {
                    "fillcolor": BAND_COLOUR,
                    "layer": "below",
                    "line": {"width": 0},
                    "type": "rect",
                    "x0": 0,
                    "x1": 1,
                    "xref": f"{x_ref} domain",
                    "y0": lower if lower is not None else 0,
                    "y1": top,
                    "yref": y_ref,
                }
            )
    if shapes:
        fig["layout"]["shapes"] = shapes
    _time_point_order(fig)
    return _layout(fig, separators, height=620)


def score_boxes(rows: pd.DataFrame, labels: Mapping[str, str], separators: str = ".,") -> Figure:
    """SELENA-SLEDAI and corticosteroid dose (patients on corticosteroids at M0) per time
    point, patients on belimumab at the time point."""
    fig = _subplots(1, 2, [labels.get("sledai", "SELENA-SLEDAI"), labels.get("steroid", "mg/day")])
    _boxes(fig, rows, "sledai", SLEDAI_COLOUR, 1)
    _boxes(fig, rows[rows["steroid_at_m0"].astype(bool)], "steroid_mg_day", STEROID_COLOUR, 2)
    _time_point_order(fig)
    return _layout(fig, separators, height=340)


def retention_curve(
    km: pd.DataFrame,
    labels: Mapping[str, str],
    separators: str = ".,",
    days_per_month: float = DAYS_PER_MONTH,
) -> Figure:
    """Kaplan-Meier persistence on belimumab (%) against months since D0, as a step line."""
    fig = _figure(
        {
            "xaxis": {
                "title": {"text": plot_text(labels.get("months", ""))},
                "dtick": 3,
                "range": [0, 12.3],
            },
            "yaxis": {
                "range": [0, 105],
                "ticksuffix": " %",
                "title": {"text": plot_text(labels.get("retention", ""))},
            },
        }
    )
    if len(km):
        fig["data"].append(
            {
                "hovertemplate": "%{x:.1f}: %{y:.0f} %<extra></extra>",
                "line": {"color": RETENTION_COLOUR, "shape": "hv", "width": 2},
                "mode": "lines",
                "x": [0.0, *(km["time"] / days_per_month).tolist()],
                "y": [100.0, *(100 * km["survival"]).tolist()],
                "type": "scatter",
            }
        )
    return _layout(fig, separators, height=320)


def waste_bars(
    months: Sequence[Mapping[str, Any]],
    labels: Mapping[str, str],
    separators: str = ".,",
) -> Figure:
    """Per calendar month ("YYYY-MM" of the report), two bars: the cost of the drug wasted and
    what the rounding policy saved (negative where more was opened than the exact dose needed).

    A date axis, months written 03/2015 (no month names: plotly.js names them in English
    only, unless a locale file is loaded), so that ten years of months thin out their ticks."""
    fig = _figure(
        {
            "barmode": "group",
            "xaxis": {"type": "date", "tickformat": "%m/%Y", "hoverformat": "%m/%Y"},
            "yaxis": {"title": {"text": plot_text(labels.get("currency", ""))}},
        }
    )
    x = [f"{m['month']}-01" for m in months]
    for key, colour in (("waste_cost", WASTE_COLOUR), ("rounding_saved", SAVED_COLOUR)):
        name = plot_text(labels.get(key, key))
        fig["data"].append(
            {
                "hovertemplate": "%{x}: %{y:,.2f}<extra>" + name + "</extra>",
                "marker": {"color": colour},
                "name": name,
                "type": "bar",
                "x": x,
                "y": [float(m[key]) for m in months],
            }
        )
    fig = _layout(fig, separators, height=300)
    legend = {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}
    fig["layout"].update(showlegend=True, legend=legend)
    return fig
