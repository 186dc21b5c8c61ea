"""The access table's vocabulary.

Each app lists its URLs in `tests/<app>/access.py` as `RULES = [Rule(...)]`; tests/test_access.py
walks the URL resolver and fails for any URL pattern without a rule, then checks every rule with
anonymous and each role, GET and POST.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PHARMACIST = "pharmacist"
CLINICIAN = "clinician"
DEPARTMENT_HEAD = "department_head"
ADMINISTRATOR = "administrator"
ALL_ROLES = frozenset({PHARMACIST, CLINICIAN, DEPARTMENT_HEAD, ADMINISTRATOR})
CARE = frozenset({PHARMACIST, CLINICIAN, ADMINISTRATOR})  # see names and birth dates
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rule:
    """Who may GET and POST one URL name.

    `kwargs(world)` builds the URL arguments from the `world` fixture (a namespace holding a
    patient, its course, an infusion, a visit, a lab result, an adverse event...).
    `get`/`post`: the roles allowed; the others must get 403, anonymous a redirect to login.
    `post=None` means the view does not accept POST (405 for everyone logged in... or ignores
    it): POST is then not checked. `get=None` likewise for POST-only views.
    `ok_status`: status codes that count as allowed (200, or a redirect for action views).
    """

    name: str
    get: frozenset[str] | None = None
    post: frozenset[str] | None = None
    kwargs: Callable[[Any], dict[str, Any]] = field(default=lambda world: {})
    query: str = ""
    ok_status: tuple[int, ...] = (200, 302)
    post_data: Callable[[Any], dict[str, Any]] = field(default=lambda world: {})
    anonymous_ok: bool = False
