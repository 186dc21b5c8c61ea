"""Timeline figures from plain data: traces, bands, marks, localized formats, no inline script.

The figures are plotly.js figure specs written as dicts; their subplot axes and template are
checked against what plotly's `make_subplots` / `go.Figure` give, so the drawing stays the same.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import plotly.graph_objects as go
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from plotly.subplots import make_subplots

from belimumab.clinical import charts
from belimumab.clinical.models import AdverseEvent

DATA = {
    "sledai": [(date(2026, 1, 5), 10, "Moderate activity"), (date(2026, 7, 6), 4, "Mild")],
    "prednisone": [(date(2025, 12, 1), Decimal("20")), (date(2026, 4, 1), Decimal("7.5"))],
    "infusions": [date(2026, 1, 5), date(2026, 1, 19), date(2026, 2, 2), date(2026, 4, 27)],
    "missed": [{"start": date(2026, 3, 2), "end": date(2026, 4, 27), "missed": 2}],
    "events": [(date(2026, 2, 10), "Bronchitis", "adverse_event")],
    "starts": [date(2026, 1, 5)],
    "labs": {
        "anti_dsdna": [
            (date(2026, 1, 5), Decimal("120"), Decimal("0"), Decimal("50")),
            (date(2026, 7, 6), Decimal("40"), Decimal("0"), Decimal("50")),
        ],
        "c3": [(date(2026, 1, 5), Decimal("0.6"), Decimal("0.79"), Decimal("1.53"))],
    },
    "units": {"anti_dsdna": "IU/mL", "ch50": "U/mL", "c3": "g/L", "c4": "g/L"},
    "today": date(2026, 11, 25),
}


def test_activity_figure():
    with translation.override("fr"):
        text = charts.labels()
        fig = charts.activity_figure(DATA, text)
        two_missed = _("%(n)s missed") % {"n": 2}
    traces, layout = fig["data"], fig["layout"]
    names = [trace["name"] for trace in traces]
    assert names == [text["sledai"], text["prednisone"], text["infusions"], text["missed"]]
    assert list(traces[0]["y"]) == [10, 4]
    assert traces[1]["line"]["shape"] == "hv" and traces[1]["yaxis"] == "y2"
    assert [(t["xaxis"], t["yaxis"]) for t in traces[2:]] == [("x2", "y3"), ("x2", "y3")]
    assert list(traces[3]["text"]) == [two_missed]
    assert layout["separators"].startswith(",")
    assert layout["xaxis"]["tickformat"] == layout["xaxis2"]["tickformat"] == "%d/%m/%Y"
    assert layout["yaxis2"]["title"]["text"] == text["prednisone"]
    annotations = [a["text"] for a in layout["annotations"]]
    assert "Bronchitis" in annotations and text["start"] in annotations
    assert [s["x0"] for s in layout["shapes"]] == [date(2026, 1, 5), date(2026, 2, 10)]


def test_serology_figure_draws_bands_and_flags_values_outside():
    with translation.override("en"):
        fig = charts.serology_figure(DATA, charts.labels())
    traces = fig["data"]
    dna = next(t for t in traces if t.get("name") == "Anti-dsDNA")
    assert list(dna["marker"]["color"]) == [charts.MISSED_COLOUR, charts.LAB_COLOURS["anti_dsdna"]]
    bands = [t for t in traces if t.get("fill") == "tonexty"]
    assert len(bands) == 2 and [t["name"] for t in bands].count("Normal range") == 2
    assert sum(1 for t in bands if t["showlegend"]) == 1
    c3_band = next(t for t in traces if t.get("fill") == "tonexty" and t["yaxis"] == "y2")
    assert list(c3_band["y"]) == [1.53, 1.53]
    titles = [fig["layout"][f"yaxis{n}"]["title"]["text"] for n in ("", "2", "3", "4")]
    assert titles == ["Anti-dsDNA<br>(IU/mL)", "C3<br>(g/L)", "C4<br>(g/L)", "CH50<br>(U/mL)"]


def test_empty_figures_say_so_and_embed_without_inline_script():
    empty = {
        **DATA,
        "sledai": [],
        "prednisone": [],
        "infusions": [],
        "missed": [],
        "events": [],
        "starts": [],
        "labs": {},
    }
    with translation.override("en"):
        text = charts.labels()
        html = charts.to_html(charts.activity_figure(empty, text))
        serology = charts.serology_figure(empty, text)
    assert "No data yet" in [a["text"] for a in serology["layout"]["annotations"]]
    assert '<script id="plotly-figure-' in html and 'type="application/json"' in html
    assert "Plotly.newPlot" not in html
    assert 'style="height:460px"' in html


def _axes(layout: dict) -> dict:
    return {k: v for k, v in layout.items() if re.fullmatch(r"[xy]axis\d*", k)}


def test_subplot_axes_and_template_are_those_plotly_builds():
    """Same domains, anchors, shared x axes and default template as `make_subplots`: a
    hand-written layout that drifted would draw differently."""
    with translation.override("en"):
        text = charts.labels()
        activity = charts.activity_figure(DATA, text)
        serology = charts.serology_figure(DATA, text)
    references = [
        (
            activity,
            make_subplots(
                rows=2,
                cols=1,
                shared_xaxes=True,
                row_heights=[0.82, 0.18],
                vertical_spacing=0.04,
                specs=[[{"secondary_y": True}], [{}]],
            ),
        ),
        (serology, make_subplots(rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.05)),
    ]
    for fig, reference in references:
        expected = _axes(reference.to_plotly_json()["layout"])
        axes = _axes(fig["layout"])
        assert axes.keys() == expected.keys()
        for name, axis in expected.items():
            assert {key: axes[name][key] for key in axis} == axis, name
        assert fig["layout"]["template"] == go.Figure().to_plotly_json()["layout"]["template"]


def test_embedded_json_is_the_figure():
    with translation.override("fr"):
        fig = charts.activity_figure(DATA, charts.labels())
        html = charts.to_html(fig)
    block = re.search(r'type="application/json">(.*?)</script>', html, re.S).group(1)
    embedded = json.loads(block)
    assert embedded["data"][0]["x"] == ["2026-01-05", "2026-07-06"]
    assert embedded["data"][1]["y"] == [20.0, 7.5]
    assert embedded["layout"]["height"] == 460
    assert embedded["layout"]["shapes"][1]["x0"] == "2026-02-10"


LINK = '<a href="https://evil.example/">click</a>'
ESCAPED_LINK = '&lt;a href="https://evil.example/"&gt;click&lt;/a&gt;'


def _strings(value) -> list[str]:
    """Every string of a figure spec (names, labels, hover text, titles)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.mark.django_db
def test_an_adverse_event_term_is_drawn_as_text_not_as_a_link(client_for, make_patient):
    """plotly.js renders tags in labels: the term typed by a clinician must stay text."""
    patient = make_patient(code="XSS01")
    AdverseEvent.objects.create(
        patient=patient, onset_date=date(2026, 2, 1), term=LINK, category="other", serious=True
    )
    page = client_for("clinician").get(reverse("clinical:timeline", args=[patient.pk]))
    blocks = re.findall(r'type="application/json">(.*?)</script>', page.content.decode(), re.S)
    texts = [text for block in blocks for text in _strings(json.loads(block))]
    assert len(blocks) == 2
    assert not [text for text in texts if "<a" in text]
    assert f"{ESCAPED_LINK} (grave)" in texts  # French by default, escaped once


def test_units_and_event_labels_are_escaped_where_they_enter_a_figure():
    data = {
        **DATA,
        "events": [(date(2026, 2, 10), "<b>Rash</b> & fever", "adverse_event")],
        "units": {**DATA["units"], "c3": "<i>g/L</i>"},
    }
    with translation.override("en"):
        text = charts.labels()
        activity = charts.activity_figure(data, text)
        serology = charts.serology_figure(data, text)
    annotations = [a["text"] for a in activity["layout"]["annotations"]]
    assert annotations == ["D0", "&lt;b&gt;Rash&lt;/b&gt; &amp; fever"]
    assert serology["layout"]["yaxis2"]["title"]["text"] == "C3<br>(&lt;i&gt;g/L&lt;/i&gt;)"
    c3 = next(t for t in serology["data"] if t.get("name") == "C3")
    assert c3["hovertemplate"].endswith(" &lt;i&gt;g/L&lt;/i&gt;<extra></extra>")
