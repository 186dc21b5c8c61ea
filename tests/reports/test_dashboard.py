"""The cohort dashboard: pinned queries, French formats, filters, figures, exports."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from tests.reports.builders import day, db_cohort

pytestmark = pytest.mark.django_db

URL = "reports:dashboard"
# session, user, the user's and the groups' permissions, the seven reads of the cohort, then the
# session saved (the first request since the login: a transaction around one UPDATE), and the
# department's settings (windows, bands, prices, lab ranges) read once.
DASHBOARD_QUERIES = 15


@pytest.mark.parametrize("n", [3, 30])
def test_query_count_does_not_grow_with_the_cohort(n, client_for, django_assert_num_queries):
    db_cohort(n)
    client = client_for("department_head")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse(URL))
    assert response.status_code == 200
    assert response.context["report"]["cohort"]["analysed"] == n


def test_french_numbers_and_the_sections(client_for):
    db_cohort(4)
    response = client_for("department_head").get(reverse(URL))
    html = response.content.decode()
    # prednisone 15 -> 7.5 mg/day: decimal comma, never a dot
    assert "15 → 7,5" in html
    assert "7.5" not in re.sub(r"<script.*?</script>", "", html, flags=re.S)
    for section in (
        "headline",
        "table1",
        "evolution",
        "figure1",
        "response",
        "sparing",
        "models",
        "table2",
        "retention",
        "adverse-events",
        "cost",
        "waste-by-month",
    ):
        assert f'id="{section}"' in html, section
    # figures travel as JSON data blocks drawn by static/js/plots.js: no inline script
    assert html.count('class="plotly-figure') == 4  # with the waste per month (issue 14)
    assert "vendor/plotly.min.js" in html and "js/plots.js" in html
    assert "<script>" not in html
    # the export links keep the filters
    assert reverse("reports:export", kwargs={"kind": "dataset", "fmt": "csv"}) in html


def test_filters_narrow_the_cohort(client_for):
    db_cohort(3)  # initiated at D0, D0 + 7, D0 + 14
    client = client_for("department_head")
    response = client.get(reverse(URL), {"start_from": day(7).isoformat(), "route": "iv"})
    assert response.context["report"]["cohort"]["initiated"] == 2
    assert f"start_from={day(7).isoformat()}" in response.content.decode()
    response = client.get(reverse(URL), {"indication": "other"})
    assert response.context["report"]["cohort"]["initiated"] == 0
    assert response.status_code == 200


def test_bad_filters_are_shown_beside_the_field_and_ignored(client_for):
    db_cohort(2)
    response = client_for("department_head").get(
        reverse(URL), {"start_from": day(10).isoformat(), "start_to": day(0).isoformat()}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["start_to"]
    html = response.content.decode()
    assert 'id="error_1_id_start_to"' in html  # crispy: the message under the field
    assert response.context["report"]["cohort"]["initiated"] == 2  # the whole cohort
    export = reverse("reports:export", kwargs={"kind": "report", "fmt": "json"})
    bad = client_for("department_head").get(export, {"start_from": "not a date"})
    assert bad.status_code == 400


def test_unknown_export_is_404(client_for):
    client = client_for("department_head")
    assert (
        client.get(reverse("reports:export", kwargs={"kind": "report", "fmt": "pdf"})).status_code
        == 404
    )
    assert (
        client.get(reverse("reports:export", kwargs={"kind": "names", "fmt": "csv"})).status_code
        == 404
    )


def test_refused_without_the_permission(client_for):
    assert client_for("clinician").get(reverse(URL)).status_code == 403
    assert client_for("pharmacist").get(reverse(URL)).status_code == 403
    assert client_for("administrator").get(reverse(URL)).status_code == 200


def test_empty_cohort_renders(client_for):
    response = client_for("department_head").get(reverse(URL))
    assert response.status_code == 200
    assert response.context["report"]["cohort"]["initiated"] == 0


def test_figure_1_draws_the_normal_band_of_each_test():
    import pandas as pd

    from belimumab.reports import charts

    rows = pd.DataFrame(
        {
            "timepoint": ["M0", "M6", "M12"],
            "anti_dsdna": [120.0, 60.0, 40.0],
            "ch50": [30.0, 45.0, 50.0],
            "c3": [0.6, 0.8, 0.9],
            "c4": [0.1, 0.2, 0.2],
        }
    )
    ranges = {
        "anti_dsdna": (0.0, 50.0),
        "ch50": (38.0, 79.0),
        "c3": (0.79, 1.53),
        "c4": (0.15, 0.4),
    }
    fig = charts.lab_boxes(rows, ranges, {"c3": "C3", "c3_unit": "g/L"}, separators=", ")
    layout = fig["layout"]
    bands = {(s["yref"], s["y0"], s["y1"]) for s in layout["shapes"]}
    assert bands == {("y", 0.0, 50.0), ("y2", 38.0, 79.0), ("y3", 0.79, 1.53), ("y4", 0.15, 0.4)}
    assert [t["name"] for t in fig["data"][:3]] == ["M0", "M6", "M12"]
    assert layout["separators"] == ", "
    assert "C3 (g/L)" in [a["text"] for a in layout["annotations"]]


def _json(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("kind", ["labs", "scores", "retention", "empty"])
def test_figures_are_the_specs_plotly_graph_objects_give(kind):
    """The figures are plain dicts (fast at 10,000 patients): plotly validates them unchanged
    (an unknown property or a wrong value type raises), the grid and titles are those of
    make_subplots, and the default template is in the layout (the same look)."""
    import pandas as pd
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from belimumab.reports import charts, stats

    rows = pd.DataFrame(
        {
            "timepoint": ["M0", "M6", "M12", "M0"],
            "anti_dsdna": [120.0, 60.0, None, 30.0],
            "ch50": [30.0, 45.0, 50.0, None],
            "c3": [0.6, 0.8, 0.9, 1.0],
            "c4": [0.1, 0.2, 0.2, 0.3],
            "sledai": pd.array([8, 4, None, 2], dtype="Int64"),
            "steroid_mg_day": [10.0, 5.0, 0.0, None],
            "steroid_at_m0": [True, True, True, False],
        }
    )
    labels = {"sledai": "SLEDAI", "steroid": "mg/day", "c3": "C3", "c3_unit": "g/L"}
    tests = ("anti_dsdna", "ch50", "c3", "c4")
    if kind == "labs":
        fig = charts.lab_boxes(rows, {"anti_dsdna": (None, 50.0), "c3": (0.79, 1.53)}, labels)
        grid = make_subplots(
            rows=2,
            cols=2,
            subplot_titles=[f"{labels.get(t, t)} ({labels.get(f'{t}_unit', '')})" for t in tests],
            horizontal_spacing=0.1,
        )
    elif kind in ("scores", "empty"):
        fig = charts.score_boxes(rows if kind == "scores" else rows.iloc[0:0], labels, ", ")
        grid = make_subplots(rows=1, cols=2, subplot_titles=["SLEDAI", "mg/day"])
    else:
        km = stats.kaplan_meier([30, 200, 400], [True, False, False], at=[0, 182, 365])
        fig = charts.retention_curve(km, {"months": "Months"})
        grid = go.Figure()
    assert _json(go.Figure(fig).to_plotly_json()) == _json(fig)
    expected = _json(grid.to_plotly_json()["layout"])
    layout = _json(fig["layout"])
    assert layout["template"] == expected.pop("template")
    for key, value in expected.items():
        if key == "annotations":
            assert layout[key] == value
        else:  # axes: the grid's domain and anchor, plus the figure's styling
            assert {k: layout[key][k] for k in value} == value, key
    traces = [(t.get("xaxis"), t.get("yaxis"), t["name"]) for t in fig["data"] if "name" in t]
    if kind == "labs":
        panels = [("x", "y"), ("x2", "y2"), ("x3", "y3"), ("x4", "y4")]
        assert traces[::3] == [(x, y, "M0") for x, y in panels]  # 3 boxes per panel
        assert fig["data"][0]["y"] == [120.0, 30.0]  # M0 values, missing ones left out
        assert [s["yref"] for s in layout["shapes"]] == ["y", "y3"]
    if kind == "empty":
        assert all(t["y"] == [] for t in fig["data"])


def test_a_box_of_many_values_is_drawn_from_its_quartiles_and_outliers():
    """Above BOX_POINTS_LIMIT values, a box carries its figures (the report's quartiles) and the
    values beyond its whiskers only, not every value."""
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

    from belimumab.reports import charts, stats

    n = charts.BOX_POINTS_LIMIT + 1
    values = [float(v) for v in np.linspace(0.5, 1.5, n - 2)] + [5.0, -3.0]  # two outliers
    rows = pd.DataFrame(
        {
            "timepoint": ["M0"] * n + ["M6"] * 3,
            "c3": [*values, 0.7, 0.8, 0.9],
            "anti_dsdna": 1.0,
            "ch50": 1.0,
            "c4": 1.0,
        }
    )
    fig = charts.lab_boxes(rows, {}, {})
    go.Figure(fig)  # plotly accepts the precomputed box
    c3 = [t for t in fig["data"] if t["yaxis"] == "y3"]  # the third panel
    box, points = c3[0], c3[1]
    figures = stats.describe(values)
    assert (box["q1"], box["median"], box["q3"]) == (
        [figures["q1"]],
        [figures["median"]],
        [figures["q3"]],
    )
    assert box["lowerfence"] == [0.5] and box["upperfence"] == [1.5]
    assert "y" not in box and box["boxpoints"] is False
    assert sorted(points["y"]) == [-3.0, 5.0] and points["x"] == ["M0", "M0"]
    # a box of a few values still shows every one of them
    m6 = next(t for t in c3 if t.get("name") == "M6")
    assert m6["boxpoints"] == "all" and m6["y"] == [0.7, 0.8, 0.9]


def test_table2_gives_the_dose_of_every_corticosteroid_hydrocortisone_included():
    from django.utils import translation

    from belimumab.domain.treatments import CORTICOSTEROIDS
    from belimumab.reports.presenters import table2_rows

    entry = {
        "patient": "P1",
        "treatments_at_initiation": [
            {"drug": "hydrocortisone", "dose": 20.0},
            {"drug": "hydroxychloroquine", "dose": 400.0},
            {"drug": "methylprednisolone", "dose": 8.0},
        ],
        "stop": None,
        "events": {},
    }
    with translation.override("en"):
        (row,) = table2_rows([entry])
    assert (
        row["treatments"]
        == "Hydrocortisone 20 mg/day, Hydroxychloroquine, Methylprednisolone 8 mg/day"
    )
    assert "hydrocortisone" in CORTICOSTEROIDS


def test_the_retention_figure_is_the_reports_kaplan_meier_over_the_first_year():
    from belimumab.reports.dataset import Params
    from belimumab.reports.report import build_report, first_year_retention
    from tests.reports.builders import Cohort

    ds = (
        Cohort()
        .patient(1, stop=100, reason="inefficacy")
        .patient(2, stop=300, reason="patient_choice")
        .patient(3)
        .build()
    )
    params = Params()
    km = first_year_retention(ds, params)
    assert km["time"].max() <= params.first_year_days
    curve = build_report(ds, params)["retention"]["curve"]
    first_year = [point for point in curve if point["day"] <= params.first_year_days]
    assert [
        {"day": float(r.time), "survival": float(r.survival), "at_risk": int(r.at_risk)}
        for r in km.itertuples(index=False)
    ] == first_year


def test_figure_texts_are_escaped_where_they_enter_a_figure():
    """plotly.js renders tags in titles: a label is drawn as text, never as a link."""
    import pandas as pd

    from belimumab.reports import charts

    rows = pd.DataFrame({"timepoint": ["M0"], "c3": [0.6], "sledai": [4], "steroid_at_m0": [True]})
    rows["steroid_mg_day"] = 10.0
    link = '<a href="https://evil.example/">C3</a>'
    labs = charts.lab_boxes(rows, {}, {"c3": link, "c3_unit": "g/L"}, tests=["c3"])
    scores = charts.score_boxes(rows, {"sledai": "<b>SLEDAI</b>", "steroid": "mg & day"})
    km = pd.DataFrame({"time": [30.0], "survival": [0.9]})
    retention = charts.retention_curve(km, {"months": "<i>months</i>", "retention": "%"})
    assert [a["text"] for a in labs["layout"]["annotations"]] == [
        '&lt;a href="https://evil.example/"&gt;C3&lt;/a&gt; (g/L)'
    ]
    assert [a["text"] for a in scores["layout"]["annotations"]] == [
        "&lt;b&gt;SLEDAI&lt;/b&gt;",
        "mg &amp; day",
    ]
    assert retention["layout"]["xaxis"]["title"]["text"] == "&lt;i&gt;months&lt;/i&gt;"
