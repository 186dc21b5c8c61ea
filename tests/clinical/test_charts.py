"""Timeline figures from plain data: traces, bands, marks, localized formats, no inline script."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from belimumab.clinical import charts

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
    names = [trace.name for trace in fig.data]
    assert names == [text["sledai"], text["prednisone"], text["infusions"], text["missed"]]
    assert list(fig.data[0].y) == [10, 4]
    assert fig.data[1].line.shape == "hv" and fig.data[1].yaxis == "y2"
    assert list(fig.data[3].text) == [two_missed]
    assert fig.layout.separators.startswith(",")
    assert fig.layout.xaxis.tickformat == "%d/%m/%Y"
    annotations = [a.text for a in fig.layout.annotations]
    assert "Bronchitis" in annotations and text["start"] in annotations


def test_serology_figure_draws_bands_and_flags_values_outside():
    with translation.override("en"):
        fig = charts.serology_figure(DATA, charts.labels())
    dna = next(t for t in fig.data if t.name == "Anti-dsDNA")
    assert list(dna.marker.color) == [charts.MISSED_COLOUR, charts.LAB_COLOURS["anti_dsdna"]]
    bands = [t for t in fig.data if t.fill == "tonexty"]
    assert len(bands) == 2 and [t.name for t in bands].count("Normal range") == 2
    assert sum(1 for t in bands if t.showlegend) == 1
    c3_band = next(t for t in fig.data if t.fill == "tonexty" and t.yaxis == "y2")
    assert list(c3_band.y) == [1.53, 1.53]


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
    assert "No data yet" in [a.text for a in serology.layout.annotations]
    assert '<script id="plotly-figure-' in html and 'type="application/json"' in html
    assert "Plotly.newPlot" not in html
