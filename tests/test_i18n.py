"""The French catalogue is complete and safe to format, and the UI switches between FR and EN.

The .po file is parsed by hand (polib is not installed). GNU gettext (Debian package `gettext`,
installed by scripts/system-deps.sh and .ci/run) is required, never optional: makemessages runs
on a copy of the sources and must find no string the catalogue lacks, and msgfmt checks the
catalogue. The compiled .mo is committed (the application itself needs no gettext): it must say
what the .po says. The four daily pages are rendered in French and searched for the English
words that used to slip through.
"""

from __future__ import annotations

import gettext
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"

# %(name)s, %s, %d, %% (python-format), {name} (str.format), HTML tags.
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%%|%[sdifr]|\{\w*\}|</?[a-zA-Z][^>]*>"
)


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    line: int = 0


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file (the header included, obsolete #~ entries left out)."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int | None] | None = None

    def flush() -> None:
        nonlocal current, target
        if target is not None:
            entries.append(current)
        current, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            current.flags += [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"line {number}: continuation without a keyword"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, getattr(current, name) + _unquote(line))
        else:
            match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
            assert match, f"line {number}: cannot read {raw!r}"
            keyword, index, value = match.groups()
            if keyword == "msgid":
                current.line = number
            if keyword == "msgstr":
                position = int(index or 0)
                current.msgstr[position] = _unquote(value)
                target = ("msgstr", position)
            else:
                setattr(current, keyword, _unquote(value))
                target = (keyword, None)
    flush()
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    entries = parse_po(PO)
    assert entries and entries[0].msgid == "", "the header comes first"
    return entries


def test_the_catalogue_is_french_with_french_plurals(catalogue):
    header = catalogue[0].msgstr[0]
    assert "Language: fr\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in header
    assert "charset=UTF-8" in header
    assert len(catalogue) > 800  # the whole UI, not a handful of strings


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    fuzzy = [e.msgid or "<header>" for e in catalogue if "fuzzy" in e.flags]
    assert fuzzy == []
    untranslated = [
        e.msgid
        for e in catalogue[1:]
        if sorted(e.msgstr) != ([0, 1] if e.msgid_plural is not None else [0])
        or not all(text.strip() for text in e.msgstr.values())
    ]
    assert untranslated == []
    # gettext's own check (formats, header, plurals)
    result = subprocess.run(
        [_gettext_tool("msgfmt"), "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr


def _gettext_tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is missing: run `make system-deps` (Debian package gettext)"
    return found


def test_makemessages_finds_no_string_the_catalogue_lacks(catalogue, tmp_path):
    """The project's own makemessages command, on a copy of the sources: every string of the
    code and templates is in the committed .po, translated, none fuzzy."""
    _gettext_tool("xgettext")
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    for name in ("belimumab", "templates", "locale"):
        shutil.copytree(root / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "manage.py", copy / "manage.py")
    command = [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete"]
    result = subprocess.run(command, cwd=copy, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    fresh = parse_po(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")

    def key(entry: Entry) -> tuple[str, str]:
        return (entry.msgctxt or "", entry.msgid)

    new = sorted(key(e) for e in fresh[1:] if key(e) not in {key(c) for c in catalogue[1:]})
    assert new == [], "new strings: run makemessages and translate them"
    not_french = [
        e.msgid
        for e in fresh[1:]
        if "fuzzy" in e.flags or not all(text.strip() for text in e.msgstr.values())
    ]
    assert not_french == []
    gone = sorted({key(c) for c in catalogue[1:]} - {key(e) for e in fresh[1:]})
    assert gone == [], "strings no longer used: run makemessages with --no-obsolete"


def test_every_placeholder_of_a_msgid_is_kept_in_its_translation(catalogue):
    lost = []
    for entry in catalogue[1:]:
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        for index, source in enumerate(sources):
            wanted = sorted(PLACEHOLDER.findall(source))
            found = sorted(PLACEHOLDER.findall(entry.msgstr.get(index, "")))
            if wanted != found:
                lost.append((entry.msgid, index, wanted, found))
    assert lost == []


def test_python_format_translations_format_like_their_msgid(catalogue):
    for entry in catalogue[1:]:
        if "python-format" not in entry.flags:
            continue
        names = set(re.findall(r"%\((\w+)\)", entry.msgid + (entry.msgid_plural or "")))
        values = {name: 1 for name in names}
        for text in entry.msgstr.values():
            formatted = text % values if names else text % ()  # raises on a broken placeholder
            assert "%(" not in formatted, (entry.msgid, text)


def test_the_committed_mo_is_compiled_from_this_po(catalogue):
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.plural(1) == 0 and compiled.plural(2) == 1 and compiled.plural(0) == 0
    stale = []
    for entry in catalogue[1:]:
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            if compiled.gettext(key) != entry.msgstr[0]:
                stale.append(entry.msgid)
        elif (compiled.ngettext(key, entry.msgid_plural, 1), compiled.ngettext(key, "", 2)) != (
            entry.msgstr[0],
            entry.msgstr[1],
        ):
            stale.append(entry.msgid)
    assert stale == [], "run: manage.py compilemessages -l fr --ignore=.venv"


def test_french_by_default_and_english_on_request(client_for):
    client = client_for("pharmacist")
    url = reverse("pharmacy:worklist")

    page = client.get(url).content.decode()
    assert '<html lang="fr">' in page
    assert "<title>Plan de travail · Belimumab</title>" in page
    assert "Dernière perfusion" in page and "Last infusion" not in page

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url).content.decode()
    assert '<html lang="en-gb">' in page  # a cookie saying "en" gets British English
    assert "<title>Worklist · Belimumab</title>" in page
    assert "Last infusion" in page and "Dernière perfusion" not in page


def test_the_language_menu_switches_back_to_french(client_for):
    client = client_for("pharmacist")
    url = reverse("pharmacy:worklist")
    client.post(reverse("set_language"), {"language": "en", "next": url})
    assert "<title>Worklist · Belimumab</title>" in client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "fr", "next": url})
    assert "<title>Plan de travail · Belimumab</title>" in client.get(url).content.decode()


def test_labels_built_in_python_follow_the_language():
    from belimumab.clinical.sledai_labels import DESCRIPTOR_LABELS

    with translation.override("fr"):
        assert str(DESCRIPTOR_LABELS["increased_dna_binding"]) == "Anti-ADN natif augmentés"
    with translation.override("en"):
        assert str(DESCRIPTOR_LABELS["increased_dna_binding"]) == "Increased DNA binding"


def test_cycle_labels_follow_the_language():
    from django.utils import translation

    from belimumab.core.labels import cycle_label

    with translation.override("fr"):
        assert [cycle_label(c) for c in ("D0", "D28", "C4", "W3")] == ["J0", "J28", "C4", "S3"]
    with translation.override("en"):
        assert [cycle_label(c) for c in ("D0", "D28", "C4", "W3")] == ["D0", "D28", "C4", "W3"]


# English words that used to show in the French pages (collected by rendering the pages in
# French and reading them). "Dose", "Administration", "Patient" and "Total" are French too.
OFFENDERS = (
    "Due",
    "Overdue",
    "Infusion",
    "Infusions",
    "Visit",
    "Visits",
    "Weight",
    "vials",
    "Vials",
    "Responder",
    "Responders",
    "Pharmacist",
    "Clinician",
    "Department head",
    "Administrator",
    "weekly",
    "then every",
    "mg/day",
    "IU/mL",
    "10^9/L",
    "Rash",
    "Neutropenia",
    "Bronchitis",
    "Nasopharyngitis",
    "Urinary tract infection",
    "Sinusitis",
    "Gastroenteritis",
    "Infusion reaction",
    "Headache",
    "Pneumonia",
    "Worklist",
    "Timeline",
    "Cohort dashboard",
    "Preparation sheet",
    "Last infusion",
    "today",
    "late",
    "missed",
    "Prepared by",
    "Checked by",
    "Print",
    "Edit",
    "History",
    "Log out",
    "Search",
    "Still on belimumab",
    "Adverse events",
    "Stopped",
    "df",
    "the",
    "of",
    "and",
    "with",
)
_OFFENDER = re.compile(
    r"(?<![\w/^-])(" + "|".join(re.escape(w) for w in OFFENDERS) + r")(?![\w/^-])"
)


def visible_text(html: str) -> str:
    """What a reader sees: the text, no tags, scripts, styles or attributes, plus the words plotly
    draws from each figure's JSON data block (names, titles, annotations, hover labels)."""
    drawn = [
        _figure_words(json.loads(unescape(block)))
        for block in re.findall(r'(?s)<script [^>]*type="application/json">(.*?)</script>', html)
    ]
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    text = " ".join([re.sub(r"<[^>]+>", " ", html), *drawn])
    return re.sub(r"\s+", " ", unescape(text))


def _figure_words(value: object, key: str = "") -> str:
    if isinstance(value, dict):
        return " ".join(_figure_words(v, k) for k, v in value.items())
    if isinstance(value, list):
        return " ".join(_figure_words(v, key) for v in value)
    if isinstance(value, str) and key in {"name", "text", "title", "hovertemplate", "ticktext"}:
        return re.sub(r"<[^>]+>|%\{[^}]*\}", " ", value)
    return ""


@pytest.fixture
def demo_cohort(db):
    """The demo files (as `make run` loads them): English AE terms, both regimens, dates
    moved so that the worklist has rows today."""
    from belimumab.cohort_io.services import cohort_import

    result = cohort_import(
        source=Path(settings.BASE_DIR) / "fixtures" / "demo", shift_to_today=True
    )
    assert result.ok, [str(p) for p in result.problems]


def _four_pages() -> dict[str, tuple[str, str]]:
    from django.db.models import Count

    from belimumab.patients.models import Patient
    from belimumab.pharmacy.models import Infusion

    # the patient with the most adverse events and labs: the fullest timeline
    patient = Patient.objects.annotate(
        n=Count("adverse_events", distinct=True) + Count("labs", distinct=True)
    ).order_by("-n", "code")[0]
    iv_infusion = Infusion.objects.filter(course__regimen__route="iv").order_by("pk")[0]
    return {
        "worklist": ("pharmacist", reverse("pharmacy:worklist")),
        "timeline": ("clinician", reverse("clinical:timeline", args=[patient.pk])),
        "dashboard": ("department_head", reverse("reports:dashboard")),
        "sheet": ("pharmacist", reverse("pharmacy:infusion_sheet", args=[iv_infusion.pk])),
    }


def test_the_four_daily_pages_show_no_english_word_in_french(demo_cohort, client_for):
    pages = _four_pages()
    seen_in_english: set[str] = set()
    for name, (role, url) in pages.items():
        client = client_for(role)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        english = client.get(url)
        assert english.status_code == 200, name
        seen_in_english |= set(_OFFENDER.findall(visible_text(english.content.decode())))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        french = visible_text(client.get(url).content.decode())
        found = sorted(set(_OFFENDER.findall(french)))
        assert found == [], f"{name} in French shows {found}"
    # the list catches what it is meant to: these pages in English do show most of it
    assert len(seen_in_english) >= 30, sorted(set(OFFENDERS) - seen_in_english)
    assert {"Neutropenia", "mg/day", "IU/mL", "Due", "Overdue", "Pneumonia"} <= seen_in_english


def test_data_values_are_shown_in_the_users_language_and_stored_unchanged(demo_cohort):
    from belimumab.clinical.models import AdverseEvent
    from belimumab.core.labels import term_label, unit_label
    from belimumab.patients.models import Regimen

    regimen = Regimen.objects.get(code="sc_standard")
    with translation.override("fr"):
        assert str(regimen) == "SC 200 mg par semaine"
        assert [unit_label(u) for u in ("mg/day", "IU/mL", "10^9/L", "g/24h", "mmol/L")] == [
            "mg/j",
            "UI/mL",
            "10\u2079/L",
            "g/24 h",
            "mmol/L",  # not a known unit: as stored
        ]
        assert term_label("Urinary tract infection") == "Infection urinaire"
        assert term_label("Infection urinaire basse") == "Infection urinaire basse"
    with translation.override("en-gb"):
        assert str(regimen) == "SC 200 mg weekly"
        assert unit_label("10^9/L") == "10\u2079/L" and unit_label("mg/day") == "mg/day"
        assert term_label("Urinary tract infection") == "Urinary tract infection"
    regimen.name = "SC 200 mg hebdomadaire (protocole local)"  # an administrator's own name
    with translation.override("fr"):
        assert str(regimen) == "SC 200 mg hebdomadaire (protocole local)"
    assert Regimen.objects.get(code="sc_standard").name == "SC 200 mg weekly"
    assert AdverseEvent.objects.filter(term="Neutropenia").exists()


def test_every_seeded_regimen_name_is_translated():
    from belimumab.patients.models import SEEDED_REGIMEN_NAMES
    from belimumab.patients.regimens import REGIMENS

    assert {r["name"] for r in REGIMENS} == set(SEEDED_REGIMEN_NAMES)
    with translation.override("fr"):
        assert all(translation.gettext(name) != name for name in SEEDED_REGIMEN_NAMES)


def test_the_admin_names_the_roles_in_french(make_user, users):
    from django.test import Client

    client = Client()  # the admin's users and groups are for superusers only
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    groups = visible_text(client.get(reverse("admin:auth_group_changelist")).content.decode())
    for role in ("Pharmacien", "Clinicien", "Chef de service", "Administrateur"):
        assert role in groups
    user_page = client.get(reverse("admin:auth_user_change", args=[users["pharmacist"].pk]))
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", user_page.content.decode())
    assert {"Pharmacien", "Clinicien", "Chef de service", "Administrateur"} <= set(options)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    groups = visible_text(client.get(reverse("admin:auth_group_changelist")).content.decode())
    assert "Department head" in groups and "department_head" in groups


def test_the_patient_page_groups_the_cost_by_thousands(demo_cohort, client_for):
    from django.db.models import Count

    from belimumab.patients.models import Patient

    patient = (  # the IV patient with the most infusions (pens are not costed)
        Patient.objects.filter(courses__regimen__route="iv")
        .annotate(n=Count("infusions", distinct=True))
        .order_by("-n", "code")[0]
    )
    client = client_for("pharmacist")
    url = reverse("clinical:patient_detail", args=[patient.pk])
    french = client.get(url).content.decode()
    cost = re.search(r"data-cost-to-date>([^<]+)<", french).group(1)
    assert re.fullmatch(r"\d{1,3}(\u202f\d{3})+,\d{2} \w+", cost), cost  # 10 408,50 GBP
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = re.search(r"data-cost-to-date>([^<]+)<", client.get(url).content.decode()).group(1)
    assert re.fullmatch(r"\d{1,3}(,\d{3})+\.\d{2} \w+", english), english  # 10,408.50 GBP
    assert english.replace(",", "").replace(".", ",") == cost.replace("\u202f", "")
