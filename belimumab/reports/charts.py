"""Cohort figures from the analysis DataFrames (no ORM): plotly figures only.

- `lab_boxes`: Figure 1 of the study, one box plot per time point for anti-dsDNA, CH50, C3, C4
  (patients on belimumab at the time point), every value shown, the normal band shaded;
- `score_boxes`: SELENA-SLEDAI and corticosteroid dose per time point;
- `retention_curve`: Kaplan-Meier persistence on belimumab (`stats.kaplan_meier` table).

Texts come in a `labels` mapping (translated by the caller) and `separators` gives the decimal
and thousands separators (", " in French), so the figures follow the user's language. The
caller embeds them (`belimumab.core.charts.figure_html` on the page: no inline script).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

TIMEPOINTS = ("M0", "M6", "M12")
LAB_COLOURS = {"anti_dsdna": "#6f42c1", "ch50": "#d63384", "c3": "#0d6efd", "c4": "#20c997"}
BAND_COLOUR = "rgba(25, 135, 84, 0.12)"
SLEDAI_COLOUR = "#0d6efd"
STEROID_COLOUR = "#fd7e14"
RETENTION_COLOUR = "#198754"


def _layout(fig: go.Figure, separators: str, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 50, "r": 20, "t": 40, "b": 40},
        separators=separators,
        showlegend=False,
        plot_bgcolor="white",
        font={"size": 12},
    )
    fig.update_xaxes(showline=True, linecolor="#adb5bd")
    fig.update_yaxes(showgrid=True, gridcolor="#e9ecef", zeroline=False)
    return fig


def _boxes(
    fig: go.Figure, frame: pd.DataFrame, column: str, colour: str, row: int, col: int
) -> None:
    for tp in TIMEPOINTS:
        values = pd.to_numeric(
            frame.loc[frame["timepoint"] == tp, column].astype("float64"), errors="coerce"
        ).dropna()
        fig.add_trace(
            go.Box(
                y=values.tolist(),
                x=[tp] * len(values),
                name=tp,
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker={"color": colour, "size": 5, "opacity": 0.7},
                line={"color": colour},
                fillcolor="rgba(0,0,0,0)",
                hovertemplate=f"{tp}: %{{y}}<extra></extra>",
            ),
            row=row,
            col=col,
        )


def lab_boxes(
    rows: pd.DataFrame,
    ranges: Mapping[str, tuple[float | None, float | None]],
    labels: Mapping[str, str],
    separators: str = ".,",
    tests: Sequence[str] = ("anti_dsdna", "ch50", "c3", "c4"),
) -> go.Figure:
    """Figure 1: a 2 x 2 grid, one panel per test, boxes at M0 / M6 / M12 and the normal band.

    `rows`: the analysis rows of the patients on belimumab at each time point (columns
    `timepoint` and one per test); `ranges`: test -> (lower, upper) of the normal range.
    """
    titles = [f"{labels.get(t, t)} ({labels.get(f'{t}_unit', '')})" for t in tests]
    fig = make_subplots(rows=2, cols=2, subplot_titles=titles, horizontal_spacing=0.1)
    for i, test in enumerate(tests):
        row, col = divmod(i, 2)
        _boxes(fig, rows, test, LAB_COLOURS.get(test, "#495057"), row + 1, col + 1)
        lower, upper = ranges.get(test, (None, None))
        if lower is not None or upper is not None:
            values = pd.to_numeric(rows[test].astype("float64"), errors="coerce").dropna()
            top = upper if upper is not None else float(values.max()) if len(values) else 0.0
            fig.add_hrect(
                y0=lower if lower is not None else 0,
                y1=top,
                fillcolor=BAND_COLOUR,
                line_width=0,
                layer="below",
                row=row + 1,
                col=col + 1,
                exclude_empty_subplots=False,
            )
    fig.update_xaxes(categoryorder="array", categoryarray=list(TIMEPOINTS))
    return _layout(fig, separators, height=620)


def score_boxes(rows: pd.DataFrame, labels: Mapping[str, str], separators: str = ".,") -> go.Figure:
    """SELENA-SLEDAI and corticosteroid dose (patients on corticosteroids at M0) per time
    point, patients on belimumab at the time point."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[labels.get("sledai", "SELENA-SLEDAI"), labels.get("steroid", "mg/day")],
    )
    _boxes(fig, rows, "sledai", SLEDAI_COLOUR, 1, 1)
    _boxes(fig, rows[rows["steroid_at_m0"].astype(bool)], "steroid_mg_day", STEROID_COLOUR, 1, 2)
    fig.update_xaxes(categoryorder="array", categoryarray=list(TIMEPOINTS))
    return _layout(fig, separators, height=340)


def retention_curve(
    km: pd.DataFrame,
    labels: Mapping[str, str],
    separators: str = ".,",
    days_per_month: float = 365.25 / 12,
) -> go.Figure:
    """Kaplan-Meier persistence on belimumab (%) against months since D0, as a step line."""
    fig = go.Figure()
    if len(km):
        months = [0.0, *(km["time"] / days_per_month).tolist()]
        survival = [100.0, *(100 * km["survival"]).tolist()]
        fig.add_trace(
            go.Scatter(
                x=months,
                y=survival,
                mode="lines",
                line={"shape": "hv", "color": RETENTION_COLOUR, "width": 2},
                hovertemplate="%{x:.1f}: %{y:.0f} %<extra></extra>",
            )
        )
    fig.update_yaxes(range=[0, 105], ticksuffix=" %", title=labels.get("retention", ""))
    fig.update_xaxes(title=labels.get("months", ""), dtick=3, range=[0, 12.3])
    return _layout(fig, separators, height=320)
