"""Login throttling: django-axes with two limits, per username and address, and per address.

django-axes compares every lockout parameter with one failure limit. Password spraying (one or
two guesses for each of many usernames) never reaches a per-username limit, so the address gets
its own, higher, limit across usernames; a username from an address keeps the low one. A
success resets only that username's failures from that address (axes would otherwise forget the
whole address's failures whenever anyone behind it logs in). A password reset clears the
username's failures from every address (`lockout_clear`).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.urls import reverse


def _failures(attempts: Any) -> int:
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


class LockoutHandler(AxesDatabaseHandler):
    """The first lockout parameter is [username, address], the second the address alone."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        per_user, per_address = self.get_user_attempts(request, credentials)
        if _failures(per_address) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            # axes compares what this returns with AXES_FAILURE_LIMIT: reaching it locks
            return int(settings.AXES_FAILURE_LIMIT)
        return _failures(per_user)

    def is_whitelisted(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> bool:
        # The single sign-on callback carries no password: the provider has checked the user,
        # and a refusal there (a group without a role) is no guess. Counted, ten of them would
        # lock the hospital's shared address out of every login, single sign-on included.
        if getattr(request, "path", None) == reverse("oidc_callback"):
            return True
        return bool(super().is_whitelisted(request, credentials))

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        per_user = self.filter_user_attempts(request, credentials)[0]
        count, _ = per_user.delete()
        return int(count)


def lockout_clear(username: str) -> int:
    """Forget every failed login of `username` (a reset proved who they are)."""
    count, _ = AccessAttempt.objects.filter(username=username).delete()
    return int(count)
