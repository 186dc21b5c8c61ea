"""Timeline figures built from plain data (`selectors.timeline_chart_data`): no ORM here.

Dates and decimals follow the user's language (French: 25/11/2026, 0,8) through the layout's
tick format and separators. Figures are embedded as JSON data blocks
(`belimumab.core.charts.figure_html`) that static/js/plots.js draws with the locally served
plotly.js: no inline script, so the Content-Security-Policy holds.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import plotly.graph_objects as go
from django.utils import formats
from django.utils.translation import gettext as _
from plotly.subplots import make_subplots

from belimumab.core.charts import figure_html

SLEDAI_COLOUR = "#0d6efd"
PREDNISONE_COLOUR = "#fd7e14"
INFUSION_COLOUR = "#198754"
MISSED_COLOUR = "#dc3545"
BAND_COLOUR = "rgba(25, 135, 84, 0.12)"
EVENT_COLOURS = {"adverse_event": "#6c757d", "serious": "#dc3545", "stop": "#212529"}
LAB_COLOURS = {"anti_dsdna": "#6f42c1", "c3": "#0d6efd", "c4": "#20c997", "ch50": "#d63384"}


def labels() -> dict[str, str]:
    """Translated strings and the user's date and number formats, for the figures."""
    date_format = formats.get_format("DATE_INPUT_FORMATS")[0]
    return {
        "date_format": date_format,
        "separators": formats.get_format("DECIMAL_SEPARATOR")
        + (formats.get_format("THOUSAND_SEPARATOR") or " "),
        "sledai": _("SELENA-SLEDAI"),
        "prednisone": _("Prednisone equivalent (mg/day)"),
        "infusions": _("Belimumab infusions"),
        "infusion": _("Infusion"),
        "missed": _("Cycles missed"),
        "missed_text": _("%(n)s missed"),
        "start": _("D0"),
        "no_data": _("No data yet"),
        "anti_dsdna": _("Anti-dsDNA"),
        "c3": _("C3"),
        "c4": _("C4"),
        "ch50": _("CH50"),
        "normal": _("Normal range"),
        "out_of_range": _("Outside the normal range"),
    }


def to_html(fig: go.Figure) -> str:
    """The figure as a JSON data block drawn by static/js/plots.js (no inline script: CSP)."""
    return figure_html(fig, height=fig.layout.height)


def _layout(fig: go.Figure, text: dict[str, str], height: int) -> None:
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 60, "t": 40, "b": 30},
        separators=text["separators"],
        legend={"orientation": "h", "y": -0.08, "traceorder": "normal"},
        hovermode="closest",
        plot_bgcolor="white",
    )
    fig.update_xaxes(tickformat=text["date_format"], showgrid=True, gridcolor="#eee")
    fig.update_yaxes(showgrid=True, gridcolor="#eee", rangemode="tozero")


def _hover_date(text: dict[str, str]) -> str:
    return "%{x|" + text["date_format"] + "}"


def _empty(fig: go.Figure, text: dict[str, str]) -> go.Figure:
    fig.add_annotation(
        text=text["no_data"], xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False
    )
    return fig


def activity_figure(data: dict[str, Any], text: dict[str, str]) -> go.Figure:
    """SELENA-SLEDAI and prednisone-equivalent dose over time; infusions and missed cycles in a
    lane below; adverse events and stops as annotated vertical lines."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.82, 0.18],
        vertical_spacing=0.04,
        specs=[[{"secondary_y": True}], [{}]],
    )
    _layout(fig, text, 460)
    when = _hover_date(text)
    if data["sledai"]:
        dates, scores, classes = zip(*data["sledai"], strict=True)
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=scores,
                customdata=classes,
                mode="lines+markers",
                name=text["sledai"],
                line={"color": SLEDAI_COLOUR, "width": 2},
                marker={"size": 9},
                hovertemplate=when
                + "<br>"
                + text["sledai"]
                + " %{y} (%{customdata})<extra></extra>",
            ),
            row=1,
            col=1,
        )
    if data["prednisone"]:
        dates, doses = zip(*data["prednisone"], strict=True)
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=[float(d) for d in doses],
                mode="lines",
                line_shape="hv",
                name=text["prednisone"],
                line={"color": PREDNISONE_COLOUR, "width": 2, "dash": "dash"},
                hovertemplate=when + "<br>%{y} " + _("mg/day") + "<extra></extra>",
            ),
            row=1,
            col=1,
            secondary_y=True,
        )
    if data["infusions"]:
        fig.add_trace(
            go.Scatter(
                x=data["infusions"],
                y=[0] * len(data["infusions"]),
                mode="markers",
                name=text["infusions"],
                marker={"symbol": "line-ns-open", "size": 16, "color": INFUSION_COLOUR},
                hovertemplate=when + "<br>" + text["infusion"] + "<extra></extra>",
            ),
            row=2,
            col=1,
        )
    if data["missed"]:
        middles = [m["start"] + (m["end"] - m["start"]) / 2 for m in data["missed"]]
        fig.add_trace(
            go.Scatter(
                x=middles,
                y=[0] * len(middles),
                mode="markers+text",
                text=[text["missed_text"] % {"n": m["missed"]} for m in data["missed"]],
                textposition="top center",
                name=text["missed"],
                marker={"symbol": "x", "size": 11, "color": MISSED_COLOUR},
                hoverinfo="text",
            ),
            row=2,
            col=1,
        )
    _vertical_marks(fig, data, text)
    fig.update_yaxes(title_text=text["sledai"], row=1, col=1, secondary_y=False)
    fig.update_yaxes(
        title_text=text["prednisone"],
        row=1,
        col=1,
        secondary_y=True,
        showgrid=False,
        tickmode="auto",
        rangemode="tozero",
    )
    fig.update_yaxes(visible=False, range=[-1, 1.5], row=2, col=1)
    if not (data["sledai"] or data["prednisone"] or data["infusions"]):
        _empty(fig, text)
    return fig


def _vertical_marks(fig: go.Figure, data: dict[str, Any], text: dict[str, str]) -> None:
    """D0, adverse events and stops: a vertical line across both rows, a label on top
    (staggered so that close events stay readable)."""
    marks: list[tuple[date, str, str]] = [(d, text["start"], "start") for d in data["starts"]]
    marks += list(data["events"])
    for i, (day, label, kind) in enumerate(sorted(marks, key=lambda m: m[0])):
        colour = EVENT_COLOURS.get(kind, INFUSION_COLOUR)
        fig.add_shape(
            type="line",
            xref="x",
            yref="paper",
            x0=day,
            x1=day,
            y0=0,
            y1=1,
            line={"color": colour, "width": 1, "dash": "dot"},
        )
        fig.add_annotation(
            x=day,
            xref="x",
            yref="paper",
            y=1.0 + 0.06 * (i % 2),
            text=label,
            showarrow=False,
            xanchor="left",
            font={"size": 11, "color": colour},
        )


SEROLOGY_ROWS = ("anti_dsdna", "c3", "c4", "ch50")


def serology_figure(data: dict[str, Any], text: dict[str, str]) -> go.Figure:
    """Anti-dsDNA, C3 and C4, CH50 over time, each against its normal range (a shaded band
    following the range stored with each result); results outside the range in red."""
    fig = make_subplots(rows=len(SEROLOGY_ROWS), cols=1, shared_xaxes=True, vertical_spacing=0.05)
    _layout(fig, text, 620)
    when = _hover_date(text)
    any_data = False
    for row, test in enumerate(SEROLOGY_ROWS, start=1):
        unit = data["units"][test]
        fig.update_yaxes(title_text=f"{text[test]}<br>({unit})", row=row, col=1)
        points = data["labs"].get(test, [])
        if not points:
            continue
        any_data = True
        _band(
            fig, points, row, text, show_legend=not any(t.name == text["normal"] for t in fig.data)
        )
        outside = [
            (p[2] is not None and p[1] < p[2]) or (p[3] is not None and p[1] > p[3]) for p in points
        ]
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in points],
                y=[float(p[1]) for p in points],
                mode="lines+markers",
                name=text[test],
                line={"color": LAB_COLOURS[test], "width": 2},
                marker={
                    "size": 8,
                    "color": [MISSED_COLOUR if o else LAB_COLOURS[test] for o in outside],
                },
                hovertemplate=f"{when}<br>{text[test]} %{{y}} {unit}<extra></extra>",
            ),
            row=row,
            col=1,
        )
    if not any_data:
        _empty(fig, text)
    return fig


def _band(
    fig: go.Figure, points: list[tuple], row: int, text: dict[str, str], show_legend: bool
) -> None:
    """The normal range as a band: lower then upper limit, filled between (step lines)."""
    limits = [(p[0], p[2], p[3]) for p in points if p[2] is not None and p[3] is not None]
    if not limits:
        return
    dates = [d for d, _l, _u in limits]
    if len(dates) == 1:
        dates = [dates[0], dates[0]]
        limits = limits * 2
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=[float(lo) for _d, lo, _u in limits],
            mode="lines",
            line={"width": 0, "shape": "hv"},
            showlegend=False,
            hoverinfo="skip",
        ),
        row=row,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=[float(up) for _d, _l, up in limits],
            mode="lines",
            line={"width": 0, "shape": "hv"},
            fill="tonexty",
            fillcolor=BAND_COLOUR,
            name=text["normal"],
            showlegend=show_legend,
            hoverinfo="skip",
        ),
        row=row,
        col=1,
    )
