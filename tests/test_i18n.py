"""The French catalogue is complete and safe to format, and the UI switches between FR and EN.

The .po file is parsed by hand (polib is not installed); msgfmt, when this machine has it, checks
the catalogue too. The compiled .mo is committed (CI machines have no gettext): it must say
what the .po says.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
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
    if shutil.which("msgfmt"):  # gettext's own check (formats, header, plurals) when present
        result = subprocess.run(
            ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
            capture_output=True,
            text=True,
            env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
        )
        assert result.returncode == 0, result.stderr
        assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr


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
    assert '<html lang="en">' in page
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
