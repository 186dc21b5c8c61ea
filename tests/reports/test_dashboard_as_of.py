"""The dashboard as of a cut-off date: the filter, the heading, "n of N have reached T" in both
languages, "not reached" in Table 2, exports carrying `as_of`; p-values rounded."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from belimumab.reports.templatetags.report_format import pvalue
from tests.reports.builders import day, db_cohort

URL = "reports:dashboard"


@pytest.mark.django_db
def test_as_of_narrows_what_the_dashboard_counts(client_for):
    db_cohort(3)  # initiated at D0, D0 + 7, D0 + 14; visits at D0, M6, M12
    client = client_for("department_head")
    client.post(reverse("set_language"), {"language": "en", "next": reverse(URL)})
    # D0 + 7 + 410: the first two have reached M12 (windows closed at D0 + 410, D0 + 417)
    as_of = day(7 + 365 + 45)
    response = client.get(reverse(URL), {"as_of": as_of.isoformat()})
    report = response.context["report"]
    assert report["as_of"] == as_of.isoformat()
    m12 = report["timepoints"]["M12"]
    assert (m12["reached"], m12["not_reached"]) == (2, 1)
    html = response.content.decode()
    assert "2 of 3 have reached M12" in html
    assert 'id="as-of"' in html and "data as of" in html
    assert html.count("data-not-reached-cell") == 1  # C003 at M12
    table2 = html[html.index('id="table2-reached"') :]
    assert table2.startswith('id="table2-reached">3 of 3 have reached M6; 2 of 3 have reached M12.')
    assert f"as_of={as_of.isoformat()}" in html  # the export links keep the cut-off
    client.post(reverse("set_language"), {"language": "fr", "next": reverse(URL)})
    html = client.get(reverse(URL), {"as_of": as_of.isoformat()}).content.decode()
    assert "2 sur 3 ont atteint M12" in html and "non atteint" in html and "données au" in html


@pytest.mark.django_db
def test_as_of_defaults_to_today_and_refuses_the_future(client_for):
    db_cohort(1)
    client = client_for("department_head")
    response = client.get(reverse(URL))
    assert response.context["report"]["as_of"] == timezone.localdate().isoformat()
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.get(reverse(URL), {"as_of": tomorrow.isoformat()})
    assert list(response.context["form"].errors) == ["as_of"]
    assert response.context["report"]["as_of"] == timezone.localdate().isoformat()
    with pytest.raises(CommandError):
        call_command("cohort_report", "--as-of", tomorrow.isoformat(), stdout=io.StringIO())


@pytest.mark.django_db
def test_exports_carry_the_cut_off(client_for):
    db_cohort(2)
    client = client_for("department_head")
    as_of = day(300).isoformat()

    def get(kind: str, fmt: str) -> bytes:
        url = reverse("reports:export", kwargs={"kind": kind, "fmt": fmt})
        return client.get(url, {"as_of": as_of}).content

    assert json.loads(get("report", "json"))["as_of"] == as_of
    dataset = json.loads(get("dataset", "json"))
    assert dataset["as_of"] == as_of and {r["as_of"] for r in dataset["rows"]} == {as_of}
    header, *rows = get("dataset", "csv").decode().splitlines()
    assert header.split(",")[-1] == "as_of" and all(r.endswith("," + as_of) for r in rows)
    assert f"as_of,{as_of}" in get("report", "csv").decode()
    # the new retention shape in the flat report
    assert "retention.M12.survival," in get("report", "csv").decode()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.000389, "0.0004"),  # rounded, not cut to 0.0003
        (0.00015, "0.0002"),
        (0.00005, "< 0.0001"),
        (0.04996, "0.0500"),
        (0.0224, "0.0224"),
        (0.99996, "1.0000"),
    ],
)
def test_p_values_are_rounded_never_truncated(value, text):
    with translation.override("en"):
        assert pvalue(value) == text
    with translation.override("fr"):
        assert pvalue(value) == text.replace(".", ",")
