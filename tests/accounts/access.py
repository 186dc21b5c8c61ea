from tests.access_spec import Rule

ADMINISTRATOR = frozenset({"administrator"})

RULES = [
    Rule("accounts:audit", get=ADMINISTRATOR),
    Rule("accounts:audit", get=ADMINISTRATOR, query="?start=2026-01-01&end=2026-12-31&format=csv"),
]
