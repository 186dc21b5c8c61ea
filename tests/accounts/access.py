from tests.access_spec import ALL_ROLES, Rule

ADMINISTRATOR = frozenset({"administrator"})


def _pharmacist(world):
    return {"pk": world.users["pharmacist"].pk}


RULES = [
    Rule("accounts:audit", get=ADMINISTRATOR),
    Rule("accounts:audit", get=ADMINISTRATOR, query="?start=2026-01-01&end=2026-12-31&format=csv"),
    Rule("accounts:users", get=ADMINISTRATOR),
    Rule("accounts:user_create", get=ADMINISTRATOR, post=ADMINISTRATOR),
    Rule("accounts:user_update", get=ADMINISTRATOR, post=ADMINISTRATOR, kwargs=_pharmacist),
    Rule("accounts:user_password_issue", post=ADMINISTRATOR, kwargs=_pharmacist),
    Rule("accounts:user_reset_link", post=ADMINISTRATOR, kwargs=_pharmacist),
    # every user changes their own password; the reset pages are for the logged-out too
    Rule("password_change", get=ALL_ROLES, post=ALL_ROLES),
    Rule("password_reset", get=ALL_ROLES, post=ALL_ROLES, anonymous_ok=True),
    Rule("password_reset_done", get=ALL_ROLES, anonymous_ok=True),
    Rule(
        "password_reset_confirm",
        get=ALL_ROLES,
        post=ALL_ROLES,
        kwargs=lambda world: {"uidb64": "MQ", "token": "not-a-token"},
        anonymous_ok=True,
    ),
    # single sign-on, open to the logged-out: tests configure no provider, so a provider's
    # link is not found, and a callback without the provider's code is refused (a page, 403);
    # the configured round trip is tests/accounts/test_oidc.py
    Rule(
        "oidc_login",
        get=ALL_ROLES,
        kwargs=lambda world: {"provider": "hospital"},
        anonymous_ok=True,
        ok_status=(404,),
    ),
    Rule("oidc_callback", get=ALL_ROLES, anonymous_ok=True, ok_status=(403,)),
]
