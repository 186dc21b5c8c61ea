"""The cohort report as the dashboard shows it: labelled table rows and embedded figures.

`present(ds, report)` only shapes: the numbers come from the report dict
(`belimumab.reports.report`) and the figures' data from that module's frames
(`figure_rows`, `first_year_retention`). The dashboard view and `manage.py cohort_report
--format html` both use it, so the page and the standalone file show the same tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from belimumab.clinical.models import AECategory, Flare
from belimumab.clinical.sledai_labels import ACTIVITY_LABELS, DRUG_LABELS, label
from belimumab.core.charts import figure_html
from belimumab.core.labels import unit_label
from belimumab.domain import pharmacovigilance as pv
from belimumab.domain.response import TIMEPOINTS
from belimumab.domain.treatments import CORTICOSTEROIDS
from belimumab.domain.units import DAYS_PER_MONTH
from belimumab.patients.models import (
    InitiationReason,
    Manifestation,
    PreviousTreatment,
    Smoking,
    StopReason,
)
from belimumab.reports import charts, selectors
from belimumab.reports.dataset import FOLLOW_UP, LAB_TESTS, Dataset, Params
from belimumab.reports.report import NOT_GRADED, figure_rows, first_year_retention
from belimumab.reports.templatetags.report_format import num

# Table 2 lists every analysed patient up to this many rows; the dataset export has them all.
TABLE2_ROWS = 200

Embed = Callable[[Any, int], str]
# (report key, label, unit, the variable's figures in a time point of the report)
Variable = tuple[str, str, str, Callable[[dict[str, Any]], dict[str, Any]]]


def present(ds: Dataset, report: dict[str, Any], embed: Embed | None = None) -> dict[str, Any]:
    """Tables (rows with labels) and figures of the dashboard, from the report and dataset.

    `embed(figure, height)` gives a figure's HTML: by default a JSON data block drawn by
    static/js/plots.js (no inline script, for the page's Content-Security-Policy)."""
    embed = embed or (lambda fig, height: figure_html(fig, height=height))
    analysed = report["cohort"]["analysed"]
    table1 = report["table1"]
    variables = report_variables()
    return {
        "table1_rows": table1_rows(table1, analysed),
        "any_concomitant_pct": _pct(table1["any_concomitant"], analysed),
        "any_biologic_pct": _pct(table1["any_previous_biologic"], analysed),
        **_timepoint_tables(report["timepoints"], variables),
        "models": [
            {"label": name, "model": model, "fit": report["models"][key][model]}
            for key, name, _unit, _pick in variables
            for model in ("ri_ar1", "ri")
        ],
        "table2": table2_rows(report["table2"][:TABLE2_ROWS]),
        "table2_truncated": len(report["table2"]) > TABLE2_ROWS,
        "table2_limit": TABLE2_ROWS,
        **_adverse_events(report["adverse_events"], analysed),
        "excluded": _excluded(report["cohort"]["excluded"]),
        "retention_pct": {tp: _retention_pct(report["retention"][tp]) for tp in FOLLOW_UP},
        # (time point, Kaplan-Meier estimate in %, the time point's figures) per headline card
        "retention_cards": [
            (tp, _retention_pct(report["retention"][tp]), report["timepoints"][tp])
            for tp in FOLLOW_UP
        ],
        **_figures(ds, selectors.report_params(), embed),
        **waste_context(report["drug_cost"], embed),
    }


def figure_labels() -> dict[str, str]:
    return {
        "anti_dsdna": _("Anti-dsDNA"),
        "anti_dsdna_unit": unit_label("IU/mL"),
        "ch50": _("CH50"),
        "ch50_unit": unit_label("U/mL"),
        "c3": _("C3"),
        "c3_unit": unit_label("g/L"),
        "c4": _("C4"),
        "c4_unit": unit_label("g/L"),
        "sledai": _("SELENA-SLEDAI"),
        "steroid": _("Prednisone equivalent (mg/day), patients on corticosteroids at M0"),
        "retention": _("Still on belimumab"),
        "months": _("Months since initiation"),
    }


def separators() -> str:
    return formats.get_format("DECIMAL_SEPARATOR") + (
        formats.get_format("THOUSAND_SEPARATOR") or " "
    )


def exclusion_labels() -> dict[str, str]:
    return {
        "prior_trial": _("Belimumab received before in a clinical trial"),
        "no_infusion": _("No administration on or before the cut-off date"),
        "interruption": _("Interruption of more than 2 months in the first year"),
        "indication": _("Indication other than SLE"),
    }


def _pct(n: float | None, total: float | None) -> float | None:
    return None if n is None or not total else 100 * n / total


def _percent(value: float | None) -> float | None:
    return None if value is None else 100 * value


def _retention_pct(at: dict[str, Any]) -> dict[str, Any]:
    """The Kaplan-Meier estimate at a time point and its 95 % interval, in %."""
    return {
        "survival": _percent(at["survival"]),
        "lower": _percent(at["lower"]),
        "upper": _percent(at["upper"]),
        "at_risk": at["at_risk"],
    }


def _counts(
    counts: Mapping[str, int], labels: Mapping[str, Any], total: int
) -> list[dict[str, Any]]:
    return [
        {"label": label(labels, code) or code, "n": n, "pct": _pct(n, total)}
        for code, n in counts.items()
    ]


def table1_rows(table1: dict[str, Any], analysed: int) -> dict[str, list[dict[str, Any]]]:
    sexes = {"F": _("Women"), "M": _("Men")}
    return {
        "sex": _counts(table1["sex"], sexes, analysed),
        "smoking": _counts(table1["smoking"], dict(Smoking.choices), analysed),
        "manifestations": _counts(table1["manifestations"], dict(Manifestation.choices), analysed),
        "previous": _counts(
            table1["previous_treatments"], dict(PreviousTreatment.choices), analysed
        ),
        "reasons": _counts(table1["initiation_reasons"], dict(InitiationReason.choices), analysed),
        "concomitant": _counts(table1["concomitant_at_initiation"], DRUG_LABELS, analysed),
    }


def _lab(test: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda t: t["labs"][test]


def report_variables() -> list[Variable]:
    """The variables of the evolution table and of the models, in the page's order."""
    text = figure_labels()
    return [
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
        *((test, text[test], text[f"{test}_unit"], _lab(test)) for test in LAB_TESTS),
    ]


def _timepoint_tables(tps: dict[str, Any], variables: list[Variable]) -> dict[str, Any]:
    """Evolution, activity classes, patients on belimumab and responses per time point."""
    return {
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
            {
                "tp": tp,
                "n": tps[tp]["on_treatment"],
                "pct": _pct(tps[tp]["on_treatment"], tps[tp]["reached"]),
                "reached": tps[tp]["reached"],
                "not_reached": tps[tp]["not_reached"],
            }
            for tp in TIMEPOINTS
        ],
        "responses": [_response(tps, tp) for tp in FOLLOW_UP],
    }


def _response(tps: dict[str, Any], tp: str) -> dict[str, Any]:
    at = tps[tp]
    return {
        "tp": tp,
        **{k: at[k] for k in ("responders", "failures", "not_evaluable")},
        "adjudicated_failures": at["adjudicated_failures"],
        "adjudicated_responders": at["adjudicated_responders"],
        "rate": _pct(at["responders"], at["reached"]),
        "reached": at["reached"],
        "not_reached": at["not_reached"],
        "sparing": at["steroid_sparing"]["patients"],
        "decrease": at["steroid_sparing"]["mean_dose_decrease_pct"],
        "steroid_m0": at["steroid_sparing"]["mean_dose_m0"],
        "steroid_t": at["steroid_mg_day"]["mean"],
        "treated_m0": tps["M0"]["steroid_mg_day"]["n"],
    }


def _adverse_events(adverse: dict[str, Any], analysed: int) -> dict[str, Any]:
    categories = dict(AECategory.choices)
    return {
        "adverse_event_rows": [
            {**row, "category_label": label(categories, row["category"])}
            for row in adverse["table"]
        ],
        "adverse_categories": _counts(adverse["by_category"], categories, analysed),
        "adverse_grade_rows": grade_rows(adverse),
    }


GRADE_COLUMNS = (*(str(g) for g in pv.GRADES), NOT_GRADED)


def grade_rows(adverse: dict[str, Any]) -> list[dict[str, Any]]:
    """The tolerance table by grade: one row per category (the models' order) with its counts
    per CTCAE grade, not graded and grade 3 or more, then the total row."""
    categories = dict(AECategory.choices)
    by_category = adverse.get("by_category_grade", {})
    rows = []
    for code in [c for c in categories if c in by_category] + sorted(
        set(by_category) - set(categories)
    ):
        counts = by_category[code]
        rows.append(
            {
                "label": label(categories, code),
                "counts": [counts.get(g, 0) for g in GRADE_COLUMNS],
                "severe": sum(counts.get(str(g), 0) for g in pv.GRADES if pv.is_severe(g)),
            }
        )
    if rows:
        rows.append(
            {
                "label": _("All events"),
                "counts": [adverse["by_grade"].get(g, 0) for g in GRADE_COLUMNS],
                "severe": adverse["grade_3_or_more"],
                "total": True,
            }
        )
    return rows


def _excluded(excluded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    because = exclusion_labels()
    return [
        {"patient": e["patient"], "reasons": [because.get(r, r) for r in e["reasons"]]}
        for e in excluded
    ]


def _figures(ds: Dataset, params: Params, embed: Embed) -> dict[str, Any]:
    rows = figure_rows(ds)
    sep = separators()
    text = figure_labels()
    retention = first_year_retention(ds, params)
    return {
        "figure_labs": embed(charts.lab_boxes(rows, params.lab_ranges, text, sep), 620),
        "box_points_limit": charts.BOX_POINTS_LIMIT,
        "figure_scores": embed(charts.score_boxes(rows, text, sep), 340),
        "figure_retention": embed(charts.retention_curve(retention, text, sep), 320),
    }


def month_label(month: str) -> str:
    """ "2015-03" as the user's language names it: "mars 2015", "March 2015"."""
    year, number = (int(part) for part in month.split("-"))
    return formats.date_format(date(year, number, 1), "YEAR_MONTH_FORMAT")


def waste_context(cost: dict[str, Any], embed: Embed) -> dict[str, Any]:
    """The cost section's waste per month: table rows (the total last) and the bar chart."""
    by_month = cost["waste_by_month"]
    months = by_month["months"]
    labels = [month_label(m["month"]) for m in months]
    rows = [{**m, "label": text} for m, text in zip(months, labels, strict=True)]
    rows.append({**by_month["total"], "label": _("Total"), "total": True})
    text = {
        "currency": cost["currency"],
        "waste_cost": _("Cost of the drug wasted"),
        "rounding_saved": _("Saved by the rounding policy"),
    }
    figure = charts.waste_bars(months, text, separators()) if months else None
    return {
        "waste_rows": rows,
        "figure_waste": embed(figure, 300) if figure is not None else "",
    }


def _event_text(event: dict[str, Any]) -> str:
    month = round(event["day"] / DAYS_PER_MONTH)
    if event["kind"] == "stop":
        what = _("stopped (%(reason)s)") % {
            "reason": label(dict(StopReason.choices), event["detail"])
        }
    elif event["kind"] == "flare":
        what = label(dict(Flare.choices), event["detail"])
    else:
        what = _("%(n)s cycles missed") % {"n": event["detail"]}
    return _("M%(month)s: %(what)s") % {"month": month, "what": what}


def _initiation_treatments(entry: dict[str, Any]) -> str:
    """The treatments at D0, with the daily dose of each corticosteroid."""
    treatments = [
        label(DRUG_LABELS, t["drug"])
        + (f" {num(t['dose'])} {_('mg/day')}" if t["drug"] in CORTICOSTEROIDS else "")
        for t in entry["treatments_at_initiation"]
    ]
    return ", ".join(treatments) or _("None")


def table2_rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table 2 of the page: one row per patient, texts for the events between time points."""
    periods = ("M0-M6", "M6-M12", "")
    return [
        {
            "patient": entry["patient"],
            "treatments": _initiation_treatments(entry),
            "cells": [
                {
                    **entry.get(tp, {}),
                    "events_after": [
                        _event_text(e)
                        for e in entry["events"].get(period, [])
                        if e["kind"] != "stop"  # the Stop column shows it
                    ],
                }
                for tp, period in zip(TIMEPOINTS, periods, strict=True)
            ],
            "stop": None
            if entry["stop"] is None
            else _event_text({**entry["stop"], "kind": "stop", "detail": entry["stop"]["reason"]}),
        }
        for entry in entries
    ]
