"""The cohort report as tables ready to paste into a paper: one sheet per table of the
dashboard (Table 1, Table 2, time points, models, retention, adverse events, cost, waste by
month), with headers and labels in the user's language and the values as numbers.

Each sheet is a `Sheet`: a title, its columns (header and the spreadsheet number format the
column is shown with: the value itself keeps its full precision) and its rows. A missing value
is None (an empty cell). `reports.exports.to_xlsx` writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from belimumab.clinical.models import AECategory
from belimumab.clinical.sledai_labels import label
from belimumab.domain import pharmacovigilance as pv
from belimumab.domain.response import TIMEPOINTS
from belimumab.patients.models import Route
from belimumab.reports.dataset import FOLLOW_UP
from belimumab.reports.presenters import (
    GRADE_COLUMNS,
    grade_rows,
    report_variables,
    table1_rows,
    table2_rows,
)
from belimumab.reports.waste import MONTH_FIGURES as WASTE_FIGURES

INTEGER = "0"
ONE_DECIMAL = "0.0"
TWO_DECIMALS = "0.00"
THREE_DECIMALS = "0.000"
P_VALUE = "0.0000"
STATS = ("n", "mean", "sd", "median", "q1", "q3", "min", "max")


@dataclass(frozen=True)
class Sheet:
    title: str  # at most 31 characters (Excel's limit)
    columns: Sequence[tuple[str, str | None]]  # header, number format
    rows: list[list[Any]] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [header for header, _fmt in self.columns]


def _stat_columns() -> list[tuple[str, str | None]]:
    return [
        ("n", INTEGER),
        (_("Mean"), TWO_DECIMALS),
        (_("SD"), TWO_DECIMALS),
        (_("Median"), TWO_DECIMALS),
        ("Q1", TWO_DECIMALS),
        ("Q3", TWO_DECIMALS),
        ("Min", TWO_DECIMALS),
        ("Max", TWO_DECIMALS),
    ]


def _stats(figures: dict[str, Any]) -> list[Any]:
    return [figures.get(key) for key in STATS]


def _pct(n: float | None, total: float | None) -> float | None:
    return None if n is None or not total else 100 * n / total


def table1_sheet(report: dict[str, Any]) -> Sheet:
    """Characteristic, category, n and % (of the analysed patients), or the statistics of a
    measure (age, first dose)."""
    analysed = report["cohort"]["analysed"]
    table1 = report["table1"]
    sheet = Sheet(
        _("Table 1"),
        [
            (_("Characteristic"), None),
            (_("Category"), None),
            ("n", INTEGER),
            ("%", ONE_DECIMAL),
            *_stat_columns()[1:],
        ],
    )
    blank = [None] * (len(STATS) - 1)
    sheet.rows.append([_("Patients"), None, analysed, None, *blank])
    for name, figures in (
        (_("Age at initiation (years)"), table1["age_years"]),
        (_("First belimumab dose (mg)"), report["first_dose_mg"]),
    ):
        sheet.rows.append([name, None, figures["n"], None, *_stats(figures)[1:]])
    groups = table1_rows(table1, analysed)
    titles = {
        "sex": _("Sex"),
        "smoking": _("Smoking"),
        "manifestations": _("Lupus manifestations"),
        "previous": _("Previous treatments"),
        "reasons": _("Reasons for starting belimumab"),
        "concomitant": _("Concomitant treatments at initiation"),
    }
    for key, title in titles.items():
        for row in groups[key]:
            sheet.rows.append([title, str(row["label"]), row["n"], row["pct"], *blank])
    for name, n in (
        (_("Any biologic"), table1["any_previous_biologic"]),
        (_("Any concomitant treatment"), table1["any_concomitant"]),
    ):
        sheet.rows.append([name, None, n, _pct(n, analysed), *blank])
    routes = dict(Route.choices)
    for code, n in table1.get("routes", {}).items():
        sheet.rows.append([_("Route"), label(routes, code), n, _pct(n, analysed), *blank])
    return sheet


def table2_sheet(report: dict[str, Any]) -> Sheet:
    """One row per analysed patient: treatments at initiation, the stop, and at each time
    point the SELENA-SLEDAI, the corticosteroid dose and the response."""
    columns: list[tuple[str, str | None]] = [
        (_("Patient"), None),
        (_("Treatments at initiation"), None),
        (_("Stop"), None),
    ]
    for tp in TIMEPOINTS:
        columns += [(f"{tp} SELENA-SLEDAI", INTEGER), (f"{tp} {_('mg/day')}", ONE_DECIMAL)]
        if tp in FOLLOW_UP:
            columns.append((_("%(tp)s responder") % {"tp": tp}, None))
    columns += [(_("Events M0-M6"), None), (_("Events M6-M12"), None)]
    sheet = Sheet(_("Table 2"), columns)
    yes, no = _("yes"), _("no")
    for row in table2_rows(report["table2"]):
        cells: list[Any] = [row["patient"], row["treatments"], row["stop"]]
        for tp, cell in zip(TIMEPOINTS, row["cells"], strict=True):
            cells += [cell.get("sledai"), cell.get("steroid_mg_day")]
            if tp in FOLLOW_UP:
                responder = cell.get("responder")
                cells.append(None if responder is None else yes if responder else no)
        cells += ["; ".join(cell["events_after"]) or None for cell in row["cells"][:2]]
        sheet.rows.append(cells)
    return sheet


def timepoints_sheet(report: dict[str, Any]) -> Sheet:
    """Patients, on belimumab, responses and corticosteroid sparing at each time point."""
    sheet = Sheet(
        _("Time points"),
        [
            (_("Time point"), None),
            (_("Reached the time point"), INTEGER),
            (_("Not reached yet (not counted)"), INTEGER),
            (_("On belimumab"), INTEGER),
            (_("Responders"), INTEGER),
            (_("Failures: stopped for inefficacy"), INTEGER),
            (_("Not evaluable (no SELENA-SLEDAI)"), INTEGER),
            (_("Response rate (%)"), ONE_DECIMAL),
            (_("Patients with a lower dose than at M0"), INTEGER),
            (_("Decrease of the mean dose") + " (%)", ONE_DECIMAL),
        ],
    )
    for tp in TIMEPOINTS:
        at = report["timepoints"][tp]
        follow_up = tp in FOLLOW_UP
        sparing = at.get("steroid_sparing", {})
        sheet.rows.append(
            [
                tp,
                at["reached"],
                at["not_reached"],
                at["on_treatment"],
                at["responders"] if follow_up else None,
                at["failures"] if follow_up else None,
                at["not_evaluable"] if follow_up else None,
                _pct(at["responders"], at["reached"]) if follow_up else None,
                sparing.get("patients"),
                sparing.get("mean_dose_decrease_pct"),
            ]
        )
    return sheet


def evolution_sheet(report: dict[str, Any]) -> Sheet:
    """Descriptive statistics of each variable at each time point (patients on belimumab)."""
    sheet = Sheet(
        _("Evolution"),
        [
            (_("Variable"), None),
            (_("Unit"), None),
            (_("Time point"), None),
            *_stat_columns(),
            (_("Abnormal"), INTEGER),
        ],
    )
    for _key, name, unit, pick in report_variables():
        for tp in TIMEPOINTS:
            figures = pick(report["timepoints"][tp])
            sheet.rows.append([name, unit or None, tp, *_stats(figures), figures.get("abnormal")])
    return sheet


def models_sheet(report: dict[str, Any]) -> Sheet:
    """Each variable's two mixed models, one row per contrast against M0."""
    sheet = Sheet(
        _("Models"),
        [
            (_("Variable"), None),
            (_("Model"), None),
            (_("Contrast"), None),
            (_("Estimate"), THREE_DECIMALS),
            (_("SE"), THREE_DECIMALS),
            ("df", INTEGER),
            ("t", THREE_DECIMALS),
            ("p", P_VALUE),
            (_("Observations"), INTEGER),
            (_("Patients"), INTEGER),
            (_("Note"), None),
        ],
    )
    names = {"ri_ar1": _("Random intercept + AR(1)"), "ri": _("Random intercept")}
    for key, name, _unit, _pick in report_variables():
        for model, model_name in names.items():
            fit = report["models"][key][model]
            for tp in FOLLOW_UP:
                contrast = fit[tp]
                sheet.rows.append(
                    [
                        name,
                        model_name,
                        f"{tp} - M0",
                        *(contrast.get(k) for k in ("estimate", "se", "df", "t", "p")),
                        fit["n_obs"],
                        fit["n_patients"],
                        fit.get("error"),
                    ]
                )
    return sheet


def retention_sheet(report: dict[str, Any]) -> Sheet:
    """Kaplan-Meier persistence on belimumab by month, with the 95 % interval at M6 and M12."""
    retention = report["retention"]
    sheet = Sheet(
        _("Retention"),
        [
            (_("Months"), INTEGER),
            (_("Days"), INTEGER),
            (_("At risk"), INTEGER),
            (_("Still treated (%)"), ONE_DECIMAL),
            (_("95% CI, lower (%)"), ONE_DECIMAL),
            (_("95% CI, upper (%)"), ONE_DECIMAL),
        ],
    )
    interval = {6: retention["M6"], 12: retention["M12"]}
    for row in retention["table"]:
        at = interval.get(row["month"], {})
        sheet.rows.append(
            [
                row["month"],
                row["day"],
                row["at_risk"],
                _percent(row["survival"]),
                _percent(at.get("lower")),
                _percent(at.get("upper")),
            ]
        )
    return sheet


def _percent(value: float | None) -> float | None:
    return None if value is None else 100 * value


def adverse_events_sheet(report: dict[str, Any]) -> Sheet:
    """The first year's events by category, term, site and seriousness."""
    categories = dict(AECategory.choices)
    sheet = Sheet(
        _("Adverse events"),
        [
            (_("Category"), None),
            (_("Event"), None),
            (_("Site"), None),
            (_("Serious"), None),
            (_("Events"), INTEGER),
            (_("Patients"), INTEGER),
        ],
    )
    yes, no = _("yes"), _("no")
    for row in report["adverse_events"]["table"]:
        sheet.rows.append(
            [
                label(categories, row["category"]),
                row["term"],
                row["site"] or None,
                yes if row["serious"] else no,
                row["events"],
                row["patients"],
            ]
        )
    return sheet


def adverse_grades_sheet(report: dict[str, Any]) -> Sheet:
    """The first year's events by category and CTCAE grade."""
    headers = {str(g): _("Grade %(grade)d") % {"grade": g} for g in pv.GRADES}
    headers[GRADE_COLUMNS[-1]] = _("Not graded")
    sheet = Sheet(
        _("Adverse events by grade"),
        [(_("Category"), None)]
        + [(headers[g], INTEGER) for g in GRADE_COLUMNS]
        + [(_("Grade ≥ 3"), INTEGER)],
    )
    for row in grade_rows(report["adverse_events"]):
        sheet.rows.append([str(row["label"]), *row["counts"], row["severe"]])
    return sheet


def cost_sheet(report: dict[str, Any]) -> Sheet:
    """Drug cost and waste, one figure per row with its unit."""
    cost = report["drug_cost"]
    currency = cost["currency"]
    waste = cost["waste_by_month"]["total"]
    sheet = Sheet(_("Cost"), [(_("Item"), None), (_("Value"), TWO_DECIMALS), (_("Unit"), None)])
    sheet.rows.extend(
        [
            [_("Intravenous infusions"), cost["iv_infusions"], None],
            [_("Vials of 120 mg opened"), cost["vials"].get("120"), None],
            [_("Vials of 400 mg opened"), cost["vials"].get("400"), None],
            [_("Total cost"), cost["total"], currency],
            [_("Per infusion"), cost["per_infusion"], currency],
            [_("Patient-years"), cost["patient_years"], None],
            [_("Per patient-year of treatment"), cost["per_patient_year"], currency],
            [_("Drug given"), cost["drug_given_mg"], "mg"],
            [_("Drug opened but not given"), cost["waste_mg"], "mg"],
            [_("Infusions with a rounded dose"), cost["rounded_infusions"], None],
            [_("Waste avoided by rounding"), cost["waste_avoided_mg"], "mg"],
            [_("Cost avoided by rounding"), cost["cost_avoided"], currency],
            [_("Cost of the drug wasted"), waste["waste_cost"], currency],
            [_("Saved by the rounding policy"), waste["rounding_saved"], currency],
        ]
    )
    return sheet


def waste_sheet(report: dict[str, Any]) -> Sheet:
    """Drug wasted and saved by rounding per calendar month ("YYYY-MM"), the total last."""
    by_month = report["drug_cost"]["waste_by_month"]
    currency = report["drug_cost"]["currency"]
    sheet = Sheet(
        _("Waste by month"),
        [
            (_("Month"), None),
            (_("Intravenous infusions"), INTEGER),
            (_("Drug opened (mg)"), ONE_DECIMAL),
            (_("Drug given (mg)"), ONE_DECIMAL),
            (_("Drug wasted (mg)"), ONE_DECIMAL),
            (_("Cost of the drug wasted (%(currency)s)") % {"currency": currency}, TWO_DECIMALS),
            (_("Rounded doses"), INTEGER),
            (
                _("Saved by the rounding policy (%(currency)s)") % {"currency": currency},
                TWO_DECIMALS,
            ),
        ],
    )
    rows = [*by_month["months"], {**by_month["total"], "month": _("Total")}]
    for row in rows:
        sheet.rows.append([row["month"], *(row[key] for key in WASTE_FIGURES)])
    return sheet


def report_sheets(report: dict[str, Any]) -> list[Sheet]:
    """Every table of the report, in the dashboard's order."""
    return [
        table1_sheet(report),
        table2_sheet(report),
        timepoints_sheet(report),
        evolution_sheet(report),
        models_sheet(report),
        retention_sheet(report),
        adverse_events_sheet(report),
        adverse_grades_sheet(report),
        cost_sheet(report),
        waste_sheet(report),
    ]
