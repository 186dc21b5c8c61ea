"""`make loadtest`: pharmacists and clinicians on the worklist, the infusion form and the timeline,
the laboratory's feed posting one HL7 message a second, a department head asking for one cohort
report a minute (built by the task worker: polled until done).

Run by scripts/loadtest.sh against the gunicorn servers on 127.0.0.1 only (LOADTEST_HOSTS, comma
separated: each user sticks to one, round robin, as a load balancer with sticky sessions would
place it). The accounts, the patients to visit, the sender's token and the hospital identifiers
come from the JSON file written by `scripts/loadtest.py prepare` (LOADTEST_PLAN); what the feed
and the reports saw is written at the end to LOADTEST_COUNTS for `scripts/loadtest.py report`.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from datetime import date
from pathlib import Path
from typing import Any

from locust import HttpUser, between, constant_pacing, events, task

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"]).read())  # noqa: SIM115
TODAY = date.fromisoformat(PLAN["today"])
# Patients with an ongoing IV course and no infusion today: each is infused once (shared by all
# simulated users of this process: gevent greenlets, no thread race on list.pop).
TO_INFUSE = list(PLAN["to_infuse"])
random.Random(1).shuffle(TO_INFUSE)
# Seconds each simulated user waits between two pages (LOADTEST_WAIT="min,max").
WAIT_MIN, WAIT_MAX = (float(v) for v in os.environ.get("LOADTEST_WAIT", "3,10").split(","))
HOSTS = [h for h in os.environ.get("LOADTEST_HOSTS", "").split(",") if h]
NEXT_HOST = itertools.count()
# The feed's messages: the panel of fixtures/hl7 with a unique control id and a patient who
# exists (hospital identifiers set by `prepare`); MSH fields split on "|", segments on "\r".
TEMPLATE = Path(__file__).resolve().parent.parent / "fixtures/hl7/oru_r01_lupus_panel.hl7"
TEMPLATE_TEXT = TEMPLATE.read_text().replace("\r\n", "\r").replace("\n", "\r").strip("\r")
OBSERVATIONS = sum(1 for seg in TEMPLATE_TEXT.split("\r") if seg.startswith("OBX|"))
COUNTS: dict[str, Any] = {
    "posted": 0,
    "acknowledged_aa": 0,
    "other_answers": 0,
    "observations_per_message": OBSERVATIONS,
    "reports_requested": 0,
    "reports_done": 0,
    "reports_failed": 0,
    "reports_unfinished": 0,
    "report_seconds": [],
}


@events.test_stop.add_listener
def _write_counts(**_kwargs: Any) -> None:
    if os.environ.get("LOADTEST_COUNTS"):
        Path(os.environ["LOADTEST_COUNTS"]).write_text(json.dumps(COUNTS))


def _pick_host(user: HttpUser) -> None:
    """Round robin over the application servers: this user's session stays on one."""
    if HOSTS:
        user.host = HOSTS[next(NEXT_HOST) % len(HOSTS)]
        user.client.base_url = user.host


class Staff(HttpUser):
    abstract = True
    wait_time = between(WAIT_MIN, WAIT_MAX)
    accounts: list[str] = []

    def on_start(self) -> None:
        _pick_host(self)
        self.client.headers["X-Forwarded-Proto"] = "https"  # as the TLS proxy sets it
        # over HTTPS Django's CSRF check wants a same-origin Referer, as browsers send
        self.client.headers["Referer"] = self.host.replace("http://", "https://", 1) + "/"
        self.client.get("/login/", name="login (GET)")
        self._loopback_cookies()
        with self.client.post(
            "/login/",
            {
                "username": random.choice(self.accounts),
                "password": PLAN["password"],
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="login (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:  # the form again: refused
                response.failure(f"login refused: status {response.status_code}")

    def page(self, url: str, name: str) -> None:
        """A page that must answer 200 (a redirect to the login page is a failure)."""
        self._loopback_cookies()
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    def _csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def _loopback_cookies(self) -> None:
        """Production cookies are Secure (HTTPS at the proxy): send them over loopback HTTP too
        (requests copies the jar for each request, so a cookie policy would be lost)."""
        for cookie in self.client.cookies:
            cookie.secure = False


class Pharmacist(Staff):
    accounts = PLAN["pharmacists"]

    @task(6)
    def worklist(self) -> None:
        self.page("/pharmacy/", "worklist")

    @task(3)
    def infusion_form(self) -> None:
        patient = random.choice(PLAN["patients"])
        with self.client.get(
            f"/pharmacy/patients/{patient}/infusions/new/",
            name="infusion form (GET)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # a patient without a belimumab course is redirected to their page: not an error
            if response.status_code in (200, 302):
                response.success()
            else:
                response.failure(f"status {response.status_code}")

    @task(2)
    def infusion_post(self) -> None:
        if not TO_INFUSE:
            return
        patient = TO_INFUSE.pop()
        url = f"/pharmacy/patients/{patient}/infusions/new/"
        self.page(url, "infusion form (GET)")
        self._loopback_cookies()
        with self.client.post(
            url,
            {
                "csrfmiddlewaretoken": self._csrf(),
                "date": TODAY.isoformat(),
                "weight_kg": "70",
                "confirm_weight": "on",
                "lots_as_recorded": "LOAD1",
                "diluent": "nacl_0.9",
                "prepared_by": PLAN["preparer"],
                "checked_by": PLAN["checker"],
                "premedication": "on",
                "reaction": "none",
                "rounding_reason": "load test",
                # patients are drawn whatever their due date: the pharmacist confirms the short
                # interval the plausibility rules ask about (as `manage.py bench` does)
                "confirmed": "interval_short",
            },
            name="infusion form (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"not recorded: status {response.status_code}")


class Clinician(Staff):
    accounts = PLAN["clinicians"]

    @task(5)
    def timeline(self) -> None:
        patient = random.choice(PLAN["patients"])
        self.page(f"/clinical/patients/{patient}/timeline/", "timeline")

    @task(1)
    def busiest_timeline(self) -> None:
        self.page(f"/clinical/patients/{PLAN['busiest']}/timeline/", "timeline")


class DepartmentHead(Staff):
    """One cohort report a minute through the dashboard's export, built by the task worker."""

    fixed_count = 1
    accounts = PLAN["heads"]
    wait_time = constant_pacing(60)

    @task
    def cohort_report(self) -> None:
        COUNTS["reports_requested"] += 1
        started = time.monotonic()
        self._loopback_cookies()
        with self.client.get(
            "/reports/export/report.json",
            name="report export (request)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:  # the export's page: the worker builds it
                response.failure(f"not queued: status {response.status_code}")
                return
            job_url = response.headers["Location"]
        self.page(job_url, "report export (job page)")  # where the browser lands
        status_url = job_url.rstrip("/") + "/status.json"
        while time.monotonic() - started < 55:  # before the next request is due
            time.sleep(2)
            self._loopback_cookies()
            with self.client.get(
                status_url, name="report export (poll)", catch_response=True
            ) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")
                    continue
                state = response.json()
            if state["finished"]:
                done = state["state"] == "done"
                COUNTS["reports_done" if done else "reports_failed"] += 1
                COUNTS["report_seconds"].append(round(time.monotonic() - started, 1))
                return
        COUNTS["reports_unfinished"] += 1


class LabFeed(HttpUser):
    """The interface engine: one ORU^R01 message a second, bearer token, no session."""

    fixed_count = 1
    wait_time = constant_pacing(1)
    sequence = itertools.count(1)

    def on_start(self) -> None:
        _pick_host(self)
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.client.headers["Authorization"] = f"Bearer {PLAN['feed_token']}"
        self.client.headers["Content-Type"] = "application/hl7-v2; charset=utf-8"

    @task
    def post_message(self) -> None:
        n = next(self.sequence)
        hospital_id = random.choice(PLAN["hospital_ids"])
        segments = []
        for segment in TEMPLATE_TEXT.split("\r"):
            fields = segment.split("|")
            if fields[0] == "MSH":
                fields[9] = f"LOADTEST-{PLAN['run']}-{n:06d}"  # MSH-10 (MSH-1 is the "|")
            elif fields[0] == "PID":
                fields[3] = f"{hospital_id}^^^CHU^PI"
            segments.append("|".join(fields))
        COUNTS["posted"] += 1
        with self.client.post(
            "/labfeed/hl7/",
            data=("\r".join(segments) + "\r").encode(),
            name="lab feed HL7 (POST)",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and "MSA|AA|" in response.text:
                COUNTS["acknowledged_aa"] += 1
            else:
                COUNTS["other_answers"] += 1
                response.failure(f"status {response.status_code}: {response.text[:120]!r}")
