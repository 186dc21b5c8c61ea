"""Helpers of `make loadtest` (scripts/loadtest.sh).

python scripts/loadtest.py hospital-ids DIR N  a hospital_id on N patients of a generated cohort
python scripts/loadtest.py prepare PLAN.json   accounts, patients to visit, the feed's token
python scripts/loadtest.py report STATS.csv FAILURES.csv TITLE KEY COUNTS.json
                                               the summary into docs/benchmarks.md
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "belimumab.settings")


# Not pages a person waits for: the aggregate, the interface engine, the export's script polling.
MACHINE_REQUESTS = ("Aggregated", "lab feed HL7 (POST)", "report export (poll)")


def hospital_ids(cohort: Path, count: int) -> None:
    """Fill the import's optional hospital_id column for the first `count` patients (IPP-like
    numbers), so that the lab feed's messages name patients who exist."""
    path = cohort / "patients.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows):
        row["hospital_id"] = f"9{i + 1:08d}" if i < count else ""
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*rows[0].keys()])
        writer.writeheader()
        writer.writerows(rows)


def prepare(path: Path) -> None:
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from belimumab.clinical.models import AdverseEvent, LabResult, TreatmentDose, Visit
    from belimumab.labfeed.services import sender_token_issue
    from belimumab.patients.models import Course, Patient
    from belimumab.pharmacy.models import Infusion

    password = secrets.token_urlsafe(16)
    accounts: dict[str, list[str]] = {"pharmacist": [], "clinician": [], "department_head": []}
    ids = {}
    for role, names in accounts.items():
        for i in range(1, 6 if role != "department_head" else 2):
            user, _ = User.objects.get_or_create(username=f"loadtest-{role}-{i}")
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            names.append(user.username)
            ids.setdefault(role, user.pk)
    checker = User.objects.get(username="loadtest-pharmacist-2").pk
    today = timezone.localdate()
    to_infuse = list(
        Course.objects.filter(stop_date__isnull=True, regimen__route="iv", patient__is_active=True)
        .exclude(patient__infusions__date=today)
        .values_list("patient_id", flat=True)
        .distinct()
    )
    records: Counter[int] = Counter()
    for model in (Visit, LabResult, TreatmentDose, AdverseEvent, Infusion):
        records.update(model.objects.values_list("patient_id", flat=True).iterator())
    plan = {
        "today": today.isoformat(),
        "password": password,
        "pharmacists": accounts["pharmacist"],
        "clinicians": accounts["clinician"],
        "preparer": ids["pharmacist"],
        "checker": checker,
        "patients": list(Patient.objects.filter(is_active=True).values_list("pk", flat=True)),
        "to_infuse": to_infuse,
        "busiest": records.most_common(1)[0][0],
        "heads": accounts["department_head"],
        # the interface engine's sender, its token issued as an administrator would
        "feed_token": sender_token_issue(name="loadtest-lab", user=None)[1],
        "hospital_ids": list(
            Patient.objects.exclude(hospital_id="").values_list("hospital_id", flat=True)
        ),
        "run": secrets.token_hex(3),
    }
    path.write_text(json.dumps(plan))
    print(
        f"plan: {len(plan['patients'])} patients, {len(to_infuse)} to infuse, "
        f"{len(plan['hospital_ids'])} with a hospital identifier",
        file=sys.stderr,
    )


def stored() -> dict[str, int]:
    """What the database holds at the end: the feed's messages and results, the exports."""
    import django

    django.setup()
    from belimumab.labfeed.models import LabMessage, PendingLabResult
    from belimumab.reports.models import ReportJob

    return {
        "messages": LabMessage.objects.filter(sender__name="loadtest-lab").count(),
        "results": PendingLabResult.objects.filter(message__sender__name="loadtest-lab").count(),
        "matched": PendingLabResult.objects.filter(
            message__sender__name="loadtest-lab", patient__isnull=False
        ).count(),
        "jobs": ReportJob.objects.count(),
        "jobs_done": ReportJob.objects.filter(state="done").count(),
    }


def feed_and_reports(counts_json: Path) -> list[str]:
    """The lab feed and report lines of the block: sent and acknowledged against stored."""
    counts = json.loads(counts_json.read_text()) if counts_json.exists() else {}
    if not counts:
        return ["", "No counts from locust (it did not stop cleanly): feed and reports unknown."]
    db = stored()
    per = counts["observations_per_message"]
    lost = counts["acknowledged_aa"] - db["messages"]
    seconds = sorted(counts["report_seconds"])
    in_flight = counts["reports_requested"] - counts["reports_done"] - counts["reports_failed"]
    in_flight -= counts["reports_unfinished"]
    return [
        "",
        f"- Lab feed: {counts['posted']} ORU^R01 messages posted ({per} results each), "
        f"{counts['acknowledged_aa']} acknowledged AA, {counts['other_answers']} other answers; "
        f"stored: {db['messages']} messages, {db['results']} results to approve "
        f"({db['matched']} matched to a patient; expected {counts['acknowledged_aa'] * per}): "
        + (
            "**no message lost**."
            if lost == 0 and db["results"] == db["messages"] * per
            else f"**{lost} acknowledged message(s) missing**."
        ),
        f"- Cohort reports (report.json through the dashboard's export, built by the worker): "
        f"{counts['reports_requested']} requested, {counts['reports_done']} done, "
        f"{counts['reports_failed']} failed, {counts['reports_unfinished']} not done after 55 s, "
        f"{in_flight} still running when the test stopped; request to done "
        + (f"{seconds[0]}-{seconds[-1]} s." if seconds else "none finished.")
        + f" Database: {db['jobs_done']} of {db['jobs']} export jobs done at the end.",
    ]


def report(stats_csv: Path, failures_csv: Path, title: str, key: str, counts: Path) -> None:
    """Write the summary into docs/benchmarks.md, replacing the previous run of the same key
    (cohort size, users, think time) and keeping the others."""
    rows = list(csv.DictReader(stats_csv.open()))
    lines = [
        "| request | requests | failures | req/s | median | p95 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} ms | {row['95%']} ms | "
            f"{row['99%']} ms | {float(row['Max Response Time']):.0f} ms |"
        )
    failures = list(csv.DictReader(failures_csv.open())) if failures_csv.exists() else []
    if failures:
        lines += ["", "Failures:", ""]
        lines += [
            f"- {f['Method']} {f['Name']}: {f['Error']} ({f['Occurrences']})" for f in failures
        ]
    slow = [
        f"{row['Name']} {row['95%']} ms"
        for row in rows
        if row["Name"] not in MACHINE_REQUESTS
        and row["95%"] not in ("", "N/A")
        and float(row["95%"]) > 300
    ]
    lines += [
        "",
        "- Pages over the 300 ms p95 target: " + (", ".join(slow) if slow else "none") + ".",
    ]
    lines += feed_and_reports(counts)
    section = "\n".join([title, "", *lines]) + "\n"
    target = ROOT / "docs/benchmarks.md"
    text = target.read_text() if target.exists() else "# Benchmarks\n"
    start, end = f"<!-- loadtest:{key} -->", f"<!-- /loadtest:{key} -->"
    block = f"{start}\n{section}{end}\n"
    if start in text:
        text = text.split(start)[0] + block + text.split(end, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    target.write_text(text)
    print(section)


if __name__ == "__main__":
    if sys.argv[1] == "hospital-ids":
        hospital_ids(Path(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "prepare":
        prepare(Path(sys.argv[2]))
    else:
        report(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], sys.argv[5], Path(sys.argv[6]))
