"""Timeline figures built from plain data (`selectors.timeline_chart_data`): no ORM here.

Each figure is the plain figure spec plotly.js draws, `{"data": [...], "layout": {...}}`, written
as dicts and lists. Building `plotly.graph_objects` figures (`go.Figure`, `make_subplots`) and
their validation took three quarters of the timeline's server time for this same JSON; the
layouts below are what `make_subplots` produced (axis domains, anchors, shared x axes), with
plotly's default template, so the drawing is unchanged.

Dates and decimals follow the user's language (French: 25/11/2026, 0,8) through the layout's
tick format and separators. Figures are embedded as JSON data blocks
(`belimumab.core.charts.figure_html`) that static/js/plots.js draws with the locally served
plotly.js: no inline script, so the Content-Security-Policy holds.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from belimumab.clinical import sledai_labels as L
from belimumab.core.charts import default_template, figure_html, plot_text
from belimumab.domain import pens

SLEDAI_COLOUR = "#0d6efd"
PREDNISONE_COLOUR = "#fd7e14"
INFUSION_COLOUR = "#198754"
MISSED_COLOUR = "#dc3545"
BAND_COLOUR = "rgba(25, 135, 84, 0.12)"
GRID_COLOUR = "#eee"
EVENT_COLOURS = {
    "adverse_event": "#6c757d",
    "serious": "#dc3545",
    "stop": "#212529",
    "follow_up_end": "#6f42c1",
}
LAB_COLOURS = {"anti_dsdna": "#6f42c1", "c3": "#0d6efd", "c4": "#20c997", "ch50": "#d63384"}

Figure = dict[str, Any]


def labels() -> dict[str, str]:
    """Translated strings and the user's date and number formats, for the figures; the
    strings escaped (`plot_text`: a translation is text too, never markup)."""
    date_format = formats.get_format("DATE_INPUT_FORMATS")[0]
    return {
        "date_format": date_format,
        "separators": formats.get_format("DECIMAL_SEPARATOR")
        + (formats.get_format("THOUSAND_SEPARATOR") or " "),
        **{key: plot_text(value) for key, value in _texts().items()},
    }


def _texts() -> dict[str, str]:
    return {
        "sledai": _("SELENA-SLEDAI"),
        "prednisone": _("Prednisone equivalent (mg/day)"),
        "infusions": _("Belimumab infusions"),
        "infusion": _("Infusion"),
        "dispensations": _("Belimumab dispensations (subcutaneous)"),
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


def to_html(fig: Figure) -> str:
    """The figure as a JSON data block drawn by static/js/plots.js (no inline script: CSP)."""
    return figure_html(fig, height=fig["layout"]["height"])


def _row_domains(rows: int, spacing: float, weights: list[float] | None = None) -> list[list]:
    """The vertical domain of each row of a one-column grid, top row first, with the arithmetic
    of plotly's `make_subplots` (so the floats are the same)."""
    usable = 1.0 - spacing * (rows - 1)
    if weights is None:
        heights = [usable / rows] * rows
    else:
        total = float(sum(weights))
        heights = [usable * (w / total) for w in weights]
    heights.reverse()  # bottom row first, as the grid is built
    domains = []
    for row in range(rows):
        below = rows - 1 - row
        start = sum(heights[:below]) + below * spacing
        end = start + heights[below]
        domains.append([min(max(start, 0.0), 1.0), min(max(end, 0.0), 1.0)])
    return domains


def _xaxis(text: dict[str, str], width: float, anchor: str, matches: str | None = None) -> dict:
    """A date axis; `matches`: the bottom row's axis, whose tick labels are the only ones shown."""
    axis: dict[str, Any] = {"anchor": anchor, "domain": [0.0, width]}
    if matches:
        axis.update(matches=matches, showticklabels=False)
    axis.update(tickformat=text["date_format"], showgrid=True, gridcolor=GRID_COLOUR)
    return axis


def _yaxis(anchor: str, domain: list, title: str | None = None) -> dict:
    axis: dict[str, Any] = {
        "anchor": anchor,
        "domain": domain,
        "showgrid": True,
        "gridcolor": GRID_COLOUR,
        "rangemode": "tozero",
    }
    if title is not None:
        axis["title"] = {"text": title}
    return axis


def _layout(text: dict[str, str], height: int, axes: dict[str, dict]) -> dict[str, Any]:
    layout: dict[str, Any] = {
        **axes,
        "margin": {"l": 60, "r": 60, "t": 40, "b": 30},
        "legend": {"orientation": "h", "y": -0.08, "traceorder": "normal"},
        "height": height,
        "separators": text["separators"],
        "hovermode": "closest",
        "plot_bgcolor": "white",
    }
    template = default_template()
    if template is not None:
        layout["template"] = template
    return layout


def _scatter(xaxis: str, yaxis: str, **props: Any) -> dict[str, Any]:
    return {**props, "type": "scatter", "xaxis": xaxis, "yaxis": yaxis}


def _hover_date(text: dict[str, str]) -> str:
    return "%{x|" + text["date_format"] + "}"


def _empty(fig: Figure, text: dict[str, str]) -> Figure:
    fig["layout"].setdefault("annotations", []).append(
        {
            "showarrow": False,
            "text": text["no_data"],
            "x": 0.5,
            "xref": "paper",
            "y": 0.5,
            "yref": "paper",
        }
    )
    return fig


# make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.82, 0.18],
# vertical_spacing=0.04, specs=[[{"secondary_y": True}], [{}]])
ACTIVITY_ROWS = [0.82, 0.18]
ACTIVITY_SPACING = 0.04
SECONDARY_Y_WIDTH = 0.94  # room left on the right for the secondary y axis title


def activity_figure(data: dict[str, Any], text: dict[str, str]) -> Figure:
    """SELENA-SLEDAI and prednisone-equivalent dose over time; infusions and missed cycles in a
    lane below; adverse events and stops as annotated vertical lines."""
    traces = _activity_traces(data, text) + _schedule_traces(data, text)
    fig = {"data": traces, "layout": _activity_layout(text)}
    _vertical_marks(fig, data, text)
    if not (data["sledai"] or data["prednisone"] or data["infusions"] or data.get("dispensations")):
        _empty(fig, text)
    return fig


def _activity_layout(text: dict[str, str]) -> dict[str, Any]:
    top, lane = _row_domains(len(ACTIVITY_ROWS), ACTIVITY_SPACING, ACTIVITY_ROWS)
    return _layout(
        text,
        460,
        {
            "xaxis": _xaxis(text, SECONDARY_Y_WIDTH, "y", matches="x2"),
            "yaxis": _yaxis("x", top, title=text["sledai"]),
            "yaxis2": {
                "anchor": "x",
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                "gridcolor": GRID_COLOUR,
                "rangemode": "tozero",
                "title": {"text": text["prednisone"]},
                "tickmode": "auto",
            },
            "xaxis2": _xaxis(text, SECONDARY_Y_WIDTH, "y3"),
            "yaxis3": {**_yaxis("x2", lane), "visible": False, "range": [-1, 1.5]},
        },
    )


def _activity_traces(data: dict[str, Any], text: dict[str, str]) -> list[dict[str, Any]]:
    """SELENA-SLEDAI (left axis) and the prednisone-equivalent dose (right axis)."""
    traces = []
    when = _hover_date(text)
    if data["sledai"]:
        dates, scores, classes = zip(*data["sledai"], strict=True)
        traces.append(
            _scatter(
                "x",
                "y",
                x=list(dates),
                y=list(scores),
                customdata=[plot_text(L.label(L.ACTIVITY_LABELS, c)) for c in classes],
                mode="lines+markers",
                name=text["sledai"],
                line={"color": SLEDAI_COLOUR, "width": 2},
                marker={"size": 9},
                hovertemplate=when
                + "<br>"
                + text["sledai"]
                + " %{y} (%{customdata})<extra></extra>",
            )
        )
    if data["prednisone"]:
        dates, doses = zip(*data["prednisone"], strict=True)
        traces.append(
            _scatter(
                "x",
                "y2",
                x=list(dates),
                y=[float(d) for d in doses],
                mode="lines",
                name=text["prednisone"],
                line={"color": PREDNISONE_COLOUR, "width": 2, "dash": "dash", "shape": "hv"},
                hovertemplate=when + "<br>%{y} " + plot_text(_("mg/day")) + "<extra></extra>",
            )
        )
    return traces


def dispensation_text(count: int) -> str:
    """What a dispensation of `count` pens is, in words ("Dispensation: 4 pens, 4 weeks")."""
    weeks = pens.weeks_covered(count)
    return _("Dispensation: %(pens)s, %(weeks)s") % {
        "pens": ngettext("%(n)s pen", "%(n)s pens", count) % {"n": count},
        "weeks": ngettext("%(n)s week covered", "%(n)s weeks covered", weeks) % {"n": weeks},
    }


def _schedule_traces(data: dict[str, Any], text: dict[str, str]) -> list[dict[str, Any]]:
    """Infusions and missed cycles, in the lane below."""
    traces = []
    when = _hover_date(text)
    if data["infusions"]:
        traces.append(
            _scatter(
                "x2",
                "y3",
                x=list(data["infusions"]),
                y=[0] * len(data["infusions"]),
                mode="markers",
                name=text["infusions"],
                marker={"symbol": "line-ns-open", "size": 16, "color": INFUSION_COLOUR},
                hovertemplate=when + "<br>" + text["infusion"] + "<extra></extra>",
            )
        )
    dispensed = data.get("dispensations") or []
    if dispensed:
        traces.append(
            _scatter(
                "x2",
                "y3",
                x=[day for day, count in dispensed],
                y=[0] * len(dispensed),
                mode="markers",
                name=text["dispensations"],
                marker={"symbol": "triangle-up", "size": 11, "color": INFUSION_COLOUR},
                text=[dispensation_text(count) for day, count in dispensed],
                hovertemplate=when + "<br>%{text}<extra></extra>",
            )
        )
    if data["missed"]:
        middles = [m["start"] + (m["end"] - m["start"]) / 2 for m in data["missed"]]
        traces.append(
            _scatter(
                "x2",
                "y3",
                x=middles,
                y=[0] * len(middles),
                mode="markers+text",
                text=[text["missed_text"] % {"n": m["missed"]} for m in data["missed"]],
                textposition="top center",
                name=text["missed"],
                marker={"symbol": "x", "size": 11, "color": MISSED_COLOUR},
                hoverinfo="text",
            )
        )
    return traces


def _vertical_marks(fig: Figure, data: dict[str, Any], text: dict[str, str]) -> None:
    """D0, adverse events and stops: a vertical line across both rows, a label on top
    (staggered so that close events stay readable)."""
    marks: list[tuple[date, str, str]] = [(d, text["start"], "start") for d in data["starts"]]
    marks += [(day, plot_text(label), kind) for day, label, kind in data["events"]]
    shapes, annotations = [], []
    for i, (day, label, kind) in enumerate(sorted(marks, key=lambda m: m[0])):
        colour = EVENT_COLOURS.get(kind, INFUSION_COLOUR)
        shapes.append(
            {
                "line": {"color": colour, "dash": "dot", "width": 1},
                "type": "line",
                "x0": day,
                "x1": day,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "paper",
            }
        )
        annotations.append(
            {
                "font": {"color": colour, "size": 11},
                "showarrow": False,
                "text": label,
                "x": day,
                "xanchor": "left",
                "xref": "x",
                "y": 1.0 + 0.06 * (i % 2),
                "yref": "paper",
            }
        )
    if shapes:
        fig["layout"]["shapes"] = shapes
        fig["layout"]["annotations"] = annotations


# make_subplots(rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.05)
SEROLOGY_ROWS = ("anti_dsdna", "c3", "c4", "ch50")
SEROLOGY_SPACING = 0.05


def serology_figure(data: dict[str, Any], text: dict[str, str]) -> Figure:
    """Anti-dsDNA, C3 and C4, CH50 over time, each against its normal range (a shaded band
    following the range stored with each result); results outside the range in red."""
    rows = len(SEROLOGY_ROWS)
    axes = {}
    for row, domain in enumerate(_row_domains(rows, SEROLOGY_SPACING), start=1):
        test = SEROLOGY_ROWS[row - 1]
        n = "" if row == 1 else str(row)
        bottom = None if row == rows else f"x{rows}"
        axes[f"xaxis{n}"] = _xaxis(text, 1.0, f"y{n}", matches=bottom)
        title = f"{text[test]}<br>({plot_text(data['units'][test])})"
        axes[f"yaxis{n}"] = _yaxis(f"x{n}", domain, title=title)
    traces: list[dict[str, Any]] = []
    fig: Figure = {"data": traces, "layout": _layout(text, 620, axes)}
    when = _hover_date(text)
    any_data = False
    for row, test in enumerate(SEROLOGY_ROWS, start=1):
        unit = plot_text(data["units"][test])
        points = data["labs"].get(test, [])
        if not points:
            continue
        any_data = True
        n = "" if row == 1 else str(row)
        show_legend = not any(t.get("name") == text["normal"] for t in traces)
        traces.extend(_band(points, f"x{n}", f"y{n}", text, show_legend=show_legend))
        outside = [
            (p[2] is not None and p[1] < p[2]) or (p[3] is not None and p[1] > p[3]) for p in points
        ]
        traces.append(
            _scatter(
                f"x{n}",
                f"y{n}",
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
            )
        )
    if not any_data:
        _empty(fig, text)
    return fig


def _band(
    points: list[tuple], xaxis: str, yaxis: str, text: dict[str, str], show_legend: bool
) -> list[dict[str, Any]]:
    """The normal range as a band: lower then upper limit, filled between (step lines)."""
    limits = [(p[0], p[2], p[3]) for p in points if p[2] is not None and p[3] is not None]
    if not limits:
        return []
    dates = [d for d, _l, _u in limits]
    if len(dates) == 1:
        dates = [dates[0], dates[0]]
        limits = limits * 2
    return [
        _scatter(
            xaxis,
            yaxis,
            x=dates,
            y=[float(lo) for _d, lo, _u in limits],
            mode="lines",
            line={"width": 0, "shape": "hv"},
            showlegend=False,
            hoverinfo="skip",
        ),
        _scatter(
            xaxis,
            yaxis,
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
    ]
