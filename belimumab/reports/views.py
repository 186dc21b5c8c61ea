"""The department head's cohort dashboard and its exports.

One pipeline for the page, the exports and `manage.py cohort_report`:
`selectors.cohort_report(filters)` (seven queries) -> dataset and report dict
(`belimumab.reports.dataset`, no ORM) -> tables and figures here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from belimumab.clinical.models import AECategory, Flare
from belimumab.clinical.sledai_labels import ACTIVITY_LABELS, DRUG_LABELS, label
from belimumab.core.charts import figure_html
from belimumab.core.collector import cycle_collector_paused
from belimumab.core.forms import date_field
from belimumab.patients.models import (
    Indication,
    InitiationReason,
    Manifestation,
    PreviousTreatment,
    Route,
    Smoking,
    StopReason,
)
from belimumab.reports import charts, exports, selectors, stats
from belimumab.reports.dataset import (
    LAB_TESTS,
    TIMEPOINTS,
    Dataset,
    retention_days,
    retention_frame,
)
from belimumab.reports.templatetags.report_format import num

# Table 2 lists every analysed patient up to this many rows; the dataset export has them all.
TABLE2_ROWS = 200


class CohortFilterForm(forms.Form):
    start_from = date_field(gettext_lazy("Initiated from"), required=False)
    start_to = date_field(gettext_lazy("Initiated until"), required=False)
    route = forms.ChoiceField(
        label=gettext_lazy("Route"),
        required=False,
        choices=[("", gettext_lazy("All routes")), *Route.choices],
    )
    indication = forms.ChoiceField(
        label=gettext_lazy("Indication"),
        required=False,
        choices=[("", gettext_lazy("All indications")), *Indication.choices],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_from"), data.get("start_to")
        if start and end and end < start:
            self.add_error("start_to", _("The end of the period is before its start."))
        return data

    def filters(self) -> selectors.CohortFilters:
        data = self.cleaned_data
        return selectors.CohortFilters(
            start_from=data.get("start_from"),
            start_to=data.get("start_to"),
            route=data.get("route") or "",
            indication=data.get("indication") or "",
        )


@require_safe
@permission_required("patients.view_cohort_report", raise_exception=True)
@cycle_collector_paused()  # the page's tables and figures too, not only the report
def dashboard(request: HttpRequest) -> HttpResponse:
    form = CohortFilterForm(request.GET or None)
    valid = form.is_bound and form.is_valid()
    filters = form.filters() if valid else selectors.CohortFilters()
    ds, report = selectors.cohort_report(filters)
    query = request.GET.urlencode() if valid else ""
    return render(
        request,
        "reports/dashboard.html",
        {"form": form, "report": report, **present(ds, report), "export_links": links(query)},
    )


@require_safe
@permission_required("patients.view_cohort_report", raise_exception=True)
@cycle_collector_paused()
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        raise Http404
    form = CohortFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text(), content_type="text/plain")
    filters = form.filters() if form.is_bound else selectors.CohortFilters()
    ds, report = selectors.cohort_report(filters)
    response = HttpResponse(
        exports.export_bytes(kind, fmt, ds, report), content_type=exports.CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(kind, fmt)}"'
    return response


def links(query: str) -> list[dict[str, str]]:
    suffix = f"?{query}" if query else ""
    names = {"dataset": _("Analysis dataset"), "report": _("Report")}
    return [
        {
            "kind": kind,
            "label": names[kind],
            "fmt": fmt,
            "url": reverse("reports:export", kwargs={"kind": kind, "fmt": fmt}) + suffix,
        }
        for kind in exports.KINDS
        for fmt in exports.FORMATS
    ]


# --------------------------------------------------------------------------- presentation


def figure_labels() -> dict[str, str]:
    return {
        "anti_dsdna": _("Anti-dsDNA"),
        "anti_dsdna_unit": "IU/mL",
        "ch50": _("CH50"),
        "ch50_unit": "U/mL",
        "c3": _("C3"),
        "c3_unit": "g/L",
        "c4": _("C4"),
        "c4_unit": "g/L",
        "sledai": _("SELENA-SLEDAI"),
        "steroid": _("Prednisone equivalent (mg/day), patients on corticosteroids at M0"),
        "retention": _("Still on belimumab"),
        "months": _("Months since initiation"),
    }


def separators() -> str:
    return formats.get_format("DECIMAL_SEPARATOR") + (
        formats.get_format("THOUSAND_SEPARATOR") or " "
    )


def _pct(n: float | None, total: float | None) -> float | None:
    return None if n is None or not total else 100 * n / total


def _counts(counts: dict[str, int], labels: dict[str, Any], total: int) -> list[dict[str, Any]]:
    return [
        {"label": label(labels, code) or code, "n": n, "pct": _pct(n, total)}
        for code, n in counts.items()
    ]


def present(
    ds: Dataset, report: dict[str, Any], embed: Callable[[Any, int], str] | None = None
) -> dict[str, Any]:
    """Tables (rows with labels) and figures of the dashboard, from the report and dataset.

    `embed(figure, height)` gives a figure's HTML: by default a JSON data block drawn by
    static/js/plots.js (no inline script, for the page's Content-Security-Policy)."""
    embed = embed or (lambda fig, height: figure_html(fig, height=height))
    analysed = report["cohort"]["analysed"]
    tps = report["timepoints"]
    table1 = report["table1"]
    choices = {
        "sex": {"F": _("Women"), "M": _("Men")},
        "smoking": dict(Smoking.choices),
        "manifestations": dict(Manifestation.choices),
        "previous": dict(PreviousTreatment.choices),
        "reasons": dict(InitiationReason.choices),
    }
    variables = [
        ("sledai", _("SELENA-SLEDAI"), "", lambda t: t["sledai"]),
        (
            "steroid_mg_day",
            _("Corticosteroids, patients treated at M0"),
            _("mg/day"),
            lambda t: t["steroid_mg_day"],
        ),
        (
            "steroid_mg_day_all",
            _("Corticosteroids, all patients (0 without)"),
            _("mg/day"),
            lambda t: t["steroid_mg_day_all"],
        ),
        *(
            (test, figure_labels()[test], figure_labels()[f"{test}_unit"], _lab(test))
            for test in LAB_TESTS
        ),
    ]
    rows = ds.rows[ds.rows["analysed"].astype(bool) & ds.rows["on_treatment"].astype(bool)]
    params = selectors.report_params()
    retention = retention_frame(ds.patients[ds.patients["analysed"]])
    km = stats.kaplan_meier(
        retention["days"], retention["stopped"], at=list(retention_days(params).values())
    )
    # The figure shows the first year, the study's follow-up (the table holds the numbers).
    km = km[km["time"] <= params.first_year_days]
    sep = separators()
    text = figure_labels()
    excluded_because = exclusion_labels()
    return {
        "table1_rows": {
            "sex": _counts(table1["sex"], choices["sex"], analysed),
            "smoking": _counts(table1["smoking"], choices["smoking"], analysed),
            "manifestations": _counts(
                table1["manifestations"], choices["manifestations"], analysed
            ),
            "previous": _counts(table1["previous_treatments"], choices["previous"], analysed),
            "reasons": _counts(table1["initiation_reasons"], choices["reasons"], analysed),
            "concomitant": _counts(table1["concomitant_at_initiation"], DRUG_LABELS, analysed),
        },
        "any_concomitant_pct": _pct(table1["any_concomitant"], analysed),
        "any_biologic_pct": _pct(table1["any_previous_biologic"], analysed),
        "evolution": [
            {
                "label": name,
                "unit": unit,
                "cells": [{"tp": tp, **pick(tps[tp])} for tp in TIMEPOINTS],
                "abnormal": [pick(tps[tp]).get("abnormal") for tp in TIMEPOINTS]
                if key in LAB_TESTS
                else None,
            }
            for key, name, unit, pick in variables
        ],
        "activity": [
            {
                "label": label(ACTIVITY_LABELS, code) if code != "missing" else _("Not recorded"),
                "cells": [
                    {"n": tps[tp]["activity"][code], "of": tps[tp]["on_treatment"]}
                    for tp in TIMEPOINTS
                ],
            }
            for code in tps["M0"]["activity"]
        ],
        "on_treatment": [
            {"tp": tp, "n": tps[tp]["on_treatment"], "pct": _pct(tps[tp]["on_treatment"], analysed)}
            for tp in TIMEPOINTS
        ],
        "responses": [
            {
                "tp": tp,
                **{k: tps[tp][k] for k in ("responders", "failures", "not_evaluable")},
                "adjudicated_failures": tps[tp]["adjudicated_failures"],
                "adjudicated_responders": tps[tp]["adjudicated_responders"],
                "rate": _pct(tps[tp]["responders"], analysed),
                "sparing": tps[tp]["steroid_sparing"]["patients"],
                "decrease": tps[tp]["steroid_sparing"]["mean_dose_decrease_pct"],
                "steroid_m0": tps["M0"]["steroid_mg_day"]["mean"],
                "steroid_t": tps[tp]["steroid_mg_day"]["mean"],
                "treated_m0": tps["M0"]["steroid_mg_day"]["n"],
            }
            for tp in ("M6", "M12")
        ],
        "models": [
            {
                "label": name,
                "model": model,
                "fit": report["models"][key][model],
            }
            for key, name, _unit, _pick in variables
            for model in ("ri_ar1", "ri")
        ],
        "table2": _table2(report["table2"][:TABLE2_ROWS]),
        "table2_truncated": len(report["table2"]) > TABLE2_ROWS,
        "table2_limit": TABLE2_ROWS,
        "adverse_event_rows": [
            {
                **row,
                "category_label": label(dict(AECategory.choices), row["category"]),
            }
            for row in report["adverse_events"]["table"]
        ],
        "adverse_categories": _counts(
            report["adverse_events"]["by_category"], dict(AECategory.choices), analysed
        ),
        "excluded": [
            {"patient": e["patient"], "reasons": [excluded_because.get(r, r) for r in e["reasons"]]}
            for e in report["cohort"]["excluded"]
        ],
        "retention_pct": {
            tp: None if report["retention"][tp] is None else 100 * report["retention"][tp]
            for tp in ("M6", "M12")
        },
        "figure_labs": embed(charts.lab_boxes(rows, params.lab_ranges, text, sep), 620),
        "box_points_limit": charts.BOX_POINTS_LIMIT,
        "figure_scores": embed(charts.score_boxes(rows, text, sep), 340),
        "figure_retention": embed(charts.retention_curve(km, text, sep), 320),
    }


def _lab(test: str):
    return lambda t: t["labs"][test]


def exclusion_labels() -> dict[str, str]:
    return {
        "prior_trial": _("Belimumab received before in a clinical trial"),
        "interruption": _("Interruption of more than 2 months in the first year"),
        "indication": _("Indication other than SLE"),
    }


def _event_text(event: dict[str, Any]) -> str:
    month = round(event["day"] / (365.25 / 12))
    if event["kind"] == "stop":
        what = _("stopped (%(reason)s)") % {
            "reason": label(dict(StopReason.choices), event["detail"])
        }
    elif event["kind"] == "flare":
        what = label(dict(Flare.choices), event["detail"])
    else:
        what = _("%(n)s cycles missed") % {"n": event["detail"]}
    return _("M%(month)s: %(what)s") % {"month": month, "what": what}


def _table2(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for entry in entries:
        treatments = [
            label(DRUG_LABELS, t["drug"])
            + (
                f" {num(t['dose'])} {_('mg/day')}"
                if t["drug"] in ("prednisone", "prednisolone", "methylprednisolone")
                else ""
            )
            for t in entry["treatments_at_initiation"]
        ]
        out.append(
            {
                "patient": entry["patient"],
                "treatments": ", ".join(treatments) or _("None"),
                "cells": [
                    {
                        **entry.get(tp, {}),
                        "events_after": [
                            _event_text(e)
                            for e in entry["events"].get(period, [])
                            if e["kind"] != "stop"  # the Stop column shows it
                        ],
                    }
                    for tp, period in zip(TIMEPOINTS, ("M0-M6", "M6-M12", ""), strict=True)
                ],
                "stop": None
                if entry["stop"] is None
                else _event_text(
                    {**entry["stop"], "kind": "stop", "detail": entry["stop"]["reason"]}
                ),
            }
        )
    return out
