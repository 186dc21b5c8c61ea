"""The cohort dashboard: pinned queries, French formats, filters, figures, exports."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.reports.builders import day, db_cohort

pytestmark = pytest.mark.django_db

URL = "reports:dashboard"
# session, user, the user's and the groups' permissions, the seven reads of the cohort, then the
# session saved (SESSION_SAVE_EVERY_REQUEST: a transaction around one UPDATE).
DASHBOARD_QUERIES = 14


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
    ):
        assert f'id="{section}"' in html, section
    # figures travel as JSON data blocks drawn by static/js/plots.js: no inline script
    assert html.count('class="plotly-figure') == 3
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
    bands = {(s.yref, s.y0, s.y1) for s in fig.layout.shapes}
    assert bands == {("y", 0.0, 50.0), ("y2", 38.0, 79.0), ("y3", 0.79, 1.53), ("y4", 0.15, 0.4)}
    assert [t.name for t in fig.data[:3]] == ["M0", "M6", "M12"]
    assert fig.layout.separators == ", "
    assert "C3 (g/L)" in [a.text for a in fig.layout.annotations]
