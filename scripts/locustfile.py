"""`make loadtest`: pharmacists and clinicians on the worklist, the infusion form and the timeline.

Run by scripts/loadtest.sh against gunicorn on 127.0.0.1 only. The accounts and the patients to
visit come from the JSON file written by `scripts/loadtest.py prepare` (LOADTEST_PLAN).
"""

from __future__ import annotations

import json
import os
import random
from datetime import date

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"]).read())  # noqa: SIM115
TODAY = date.fromisoformat(PLAN["today"])
# Patients with an ongoing IV course and no infusion today: each is infused once (shared by all
# simulated users of this process: gevent greenlets, no thread race on list.pop).
TO_INFUSE = list(PLAN["to_infuse"])
random.Random(1).shuffle(TO_INFUSE)
# Seconds each simulated user waits between two pages (LOADTEST_WAIT="min,max").
WAIT_MIN, WAIT_MAX = (float(v) for v in os.environ.get("LOADTEST_WAIT", "3,10").split(","))


class Staff(HttpUser):
    abstract = True
    wait_time = between(WAIT_MIN, WAIT_MAX)
    accounts: list[str] = []

    def on_start(self) -> None:
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
                "lots": "LOAD1",
                "diluent": "nacl_0.9",
                "prepared_by": PLAN["preparer"],
                "checked_by": PLAN["checker"],
                "premedication": "on",
                "reaction": "none",
                "rounding_reason": "load test",
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
