"""Helpers of `make loadtest` (scripts/loadtest.sh).

python scripts/loadtest.py prepare PLAN.json   accounts + patients to visit, as JSON
python scripts/loadtest.py report STATS.csv    the locust summary into docs/benchmarks.md
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


def prepare(path: Path) -> None:
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from belimumab.clinical.models import AdverseEvent, LabResult, TreatmentDose, Visit
    from belimumab.patients.models import Course, Patient
    from belimumab.pharmacy.models import Infusion

    password = secrets.token_urlsafe(16)
    accounts: dict[str, list[str]] = {"pharmacist": [], "clinician": []}
    ids = {}
    for role, names in accounts.items():
        for i in range(1, 6):
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
    }
    path.write_text(json.dumps(plan))
    print(f"plan: {len(plan['patients'])} patients, {len(to_infuse)} to infuse", file=sys.stderr)


def report(stats_csv: Path, failures_csv: Path, title: str, key: str) -> None:
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
    if sys.argv[1] == "prepare":
        prepare(Path(sys.argv[2]))
    else:
        report(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], sys.argv[5])
