"""The PDF preparation sheets (issue 14): the text a pharmacist reads in the PDF (pypdf), in
English and French, the day's sheets one per page, the archive (a print stays what was printed,
a reprint after a correction is a new version), offline static files, query counts."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from belimumab.core.models import HardDeleteForbidden
from belimumab.core.services import clinical_save
from belimumab.department import services as department_services
from belimumab.department.models import Department
from belimumab.pharmacy.models import InfusionLot, PrintedSheet
from belimumab.pharmacy.pdf import static_fetcher, static_file
from belimumab.stock.models import VialLot

DAY = date(2026, 3, 2)
HEADER = "CHU de Strasbourg\nPharmacie à usage intérieur\n1 place de l'Hôpital, 67000 Strasbourg"


def _pages(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    return [" ".join(page.extract_text().split()) for page in pages]  # lines wrap in cells


def _client(client_for, role, language="en"):
    client = client_for(role)
    client.cookies["django_language"] = language
    return client


def _set_header(users, text: str) -> None:
    department = Department.objects.get()
    department.sheet_header = text
    department_services.department_update(department=department, user=users["administrator"])


@pytest.fixture
def sheet_infusion(make_patient, make_infusion, users, checker):
    """A 70 kg IV infusion on 2 March 2026: 700 mg prepared as 6 x 120 mg, 8.75 mL to draw."""
    _set_header(users, HEADER)
    patient = make_patient(code="PDF01", last_name="Dupont", first_name="Léa", start=DAY)
    return make_infusion(
        patient,
        DAY,
        vials_120=6,
        lots_as_recorded="LOT-A1",  # lots written before the stock (issue 14)
        diluent="nacl_0.9",
        prepared_by=users["pharmacist"],
        checked_by=checker,
    )


@pytest.fixture
def day_infusions(make_patient, make_infusion):
    """Three infusions on DAY (entered out of code order), one on the day after, one
    deactivated: the day's PDF holds the three, by patient code."""
    infusions = [
        make_infusion(make_patient(code=code, start=DAY), DAY, weight=weight, vials_120=6)
        for code, weight in (("DAY-C", "81.0"), ("DAY-A", "62.5"), ("DAY-B", "70.0"))
    ]
    make_infusion(make_patient(code="DAY-Z", start=DAY), date(2026, 3, 3))
    gone = make_infusion(make_patient(code="DAY-X", start=DAY), DAY)
    gone.is_active = False
    clinical_save(gone)
    return infusions


def _sheet_pdf(client, infusion):
    return client.get(reverse("pharmacy:infusion_sheet_pdf", args=[infusion.pk]))


def _day_pdf(client, day=DAY):
    return client.get(reverse("pharmacy:day_sheets_pdf") + f"?date={day.isoformat()}")


def test_one_sheet_in_english(client_for, sheet_infusion, users):
    [text] = _pages(_sheet_pdf(_client(client_for, "pharmacist"), sheet_infusion))
    for expected in (
        "CHU de Strasbourg",
        "1 place de l'Hôpital, 67000 Strasbourg",
        "Belimumab (Benlysta) preparation sheet",
        "PDF01",
        "DUPONT Léa",
        "02/03/2026",  # day first in British English too
        "700 mg",
        "120 mg powder 6 1.5 mL",  # vial, number, water per vial
        "8.75 mL",  # 700 mg at 80 mg/mL
        "LOT-A1",
        "Sodium chloride 0.9 %",
        "Paul Checker",
        "Printed on",
    ):
        assert expected in text, expected
    printed = PrintedSheet.objects.get()
    assert printed.kind == "sheet" and printed.version == 1
    assert printed.printed_by == users["pharmacist"]
    assert printed.sha256 == hashlib.sha256(bytes(printed.pdf)).hexdigest()
    assert printed.sources == [[sheet_infusion.pk, sheet_infusion.version, 1]]


def test_the_sheet_pdf_shows_the_lots_drawn_from_the_stock(client_for, sheet_infusion):
    """Structured lots (issue 14) beside the lots as recorded."""
    lot = VialLot.objects.create(presentation="iv120", number="STOCK-7", expiry=date(2027, 5, 31))
    InfusionLot.objects.create(infusion=sheet_infusion, lot=lot, vials=6)
    [text] = _pages(_sheet_pdf(_client(client_for, "pharmacist"), sheet_infusion))
    assert "STOCK-7 \u00d7 6" in text and "31/05/2027" in text and "LOT-A1" in text


def test_one_sheet_in_french(client_for, sheet_infusion):
    client = _client(client_for, "pharmacist", "fr")
    [text] = _pages(_sheet_pdf(client, sheet_infusion))
    for expected in (
        "Feuille de préparation du bélimumab (Benlysta)",
        "Pharmacie à usage intérieur",
        "DUPONT Léa",
        "02/03/2026",
        "70,0 kg",
        "700 mg",
        "1,5 mL",
        "8,75 mL",
        "Chlorure de sodium 0,9 %",
        "Imprimé le",
    ):
        assert expected in text, expected
    assert "8.75" not in text
    assert PrintedSheet.objects.get().language == "fr"


def test_the_days_sheets_one_per_page_by_patient_code(client_for, day_infusions):
    pages = _pages(_day_pdf(client_for("pharmacist")))
    assert len(pages) == 3
    for page, (code, dose) in zip(
        pages, (("DAY-A", "625 mg"), ("DAY-B", "700 mg"), ("DAY-C", "810 mg")), strict=True
    ):
        assert code in page and dose in page
        assert "1 / 3" in page or "/ 3" in page  # the page number
    text = "".join(pages)
    assert "DAY-Z" not in text and "DAY-X" not in text
    printed = PrintedSheet.objects.get()
    assert (printed.kind, printed.day, printed.infusion) == ("day", DAY, None)


def test_the_days_sheets_in_french(client_for, day_infusions):
    client = _client(client_for, "administrator", "fr")
    pages = _pages(_day_pdf(client))
    assert len(pages) == 3
    assert all("02/03/2026" in page and "Feuille de préparation" in page for page in pages)
    assert "62,5 kg" in pages[0]


def test_a_print_stays_what_was_printed(client_for, sheet_infusion, day_infusions, users):
    """Print, change the header and the infusions, print again: the same bytes."""
    client = client_for("pharmacist")
    first_sheet = _sheet_pdf(client, sheet_infusion).content
    first_day = _day_pdf(client).content
    _set_header(users, "Another hospital")
    sheet_infusion.prepared_dose_mg = Decimal("640")
    sheet_infusion.rounding_reason = "rounded down"
    clinical_save(sheet_infusion)
    day_infusions[0].weight_kg = Decimal("90.0")
    clinical_save(day_infusions[0])
    client = client_for("administrator")  # someone else, even
    assert _sheet_pdf(client, sheet_infusion).content == first_sheet
    assert _day_pdf(client).content == first_day
    assert PrintedSheet.objects.count() == 2


def test_reprint_after_a_correction_is_a_new_version(client_for, sheet_infusion, users):
    client = _client(client_for, "pharmacist")
    first = _sheet_pdf(client, sheet_infusion).content
    page = reverse("pharmacy:infusion_sheet", args=[sheet_infusion.pk])
    reprint = reverse("pharmacy:infusion_sheet_reprint", args=[sheet_infusion.pk])
    assert 'id="outdated"' not in client.get(page).content.decode()
    # nothing changed: refused, nothing stored
    response = client.post(reprint, follow=True)
    assert "Nothing changed since the last print" in response.content.decode()
    assert PrintedSheet.objects.count() == 1

    sheet_infusion.prepared_dose_mg = Decimal("640")
    clinical_save(sheet_infusion)
    html = client.get(page).content.decode()
    assert 'id="outdated"' in html and "Reprint as a corrected version" in html
    response = client.post(reprint, follow=True)
    assert "Corrected version 2 printed." in response.content.decode()
    old, new = PrintedSheet.objects.order_by("version")
    assert bytes(old.pdf) == first and old.version == 1
    [text] = _pages(_sheet_pdf(client, sheet_infusion))
    assert "640 mg" in text and "Corrected version 2" in text
    assert _sheet_pdf(client, sheet_infusion).content == bytes(new.pdf)
    # the first print stays reachable, byte for byte
    archived = client.get(reverse("pharmacy:printed_sheet", args=[old.pk]))
    assert archived.content == first
    assert 'id="outdated"' not in client.get(page).content.decode()


def test_the_days_reprint_takes_a_new_infusion(
    client_for, day_infusions, make_patient, make_infusion
):
    client = client_for("pharmacist")
    assert len(_pages(_day_pdf(client))) == 3
    make_infusion(make_patient(code="DAY-D", start=DAY), DAY)
    day_page = reverse("pharmacy:day_sheets") + f"?date={DAY.isoformat()}"
    assert 'id="outdated"' in client.get(day_page).content.decode()
    assert len(_pages(_day_pdf(client))) == 3  # still what was printed
    response = client.post(reverse("pharmacy:day_sheets_reprint"), {"date": DAY.isoformat()})
    assert response.status_code == 302 and response["Location"] == day_page
    pages = _pages(_day_pdf(client))
    assert len(pages) == 4 and "DAY-D" in pages[3]
    assert list(PrintedSheet.objects.values_list("version", flat=True)) == [1, 2]


def test_a_corrected_name_makes_the_print_outdated(client_for, sheet_infusion):
    client = _client(client_for, "pharmacist")
    first = _sheet_pdf(client, sheet_infusion).content
    patient = sheet_infusion.patient
    patient.last_name = "Dupond"
    clinical_save(patient)
    page = client.get(reverse("pharmacy:infusion_sheet", args=[sheet_infusion.pk]))
    assert 'id="outdated"' in page.content.decode()
    assert _sheet_pdf(client, sheet_infusion).content == first
    client.post(reverse("pharmacy:infusion_sheet_reprint", args=[sheet_infusion.pk]))
    [text] = _pages(_sheet_pdf(client, sheet_infusion))
    assert "DUPOND Léa" in text


def test_a_day_without_infusion(client_for):
    client = client_for("pharmacist")
    assert _day_pdf(client).status_code == 404
    html = client.get(reverse("pharmacy:day_sheets") + "?date=2026-03-02").content.decode()
    assert 'id="no-sheets"' in html
    assert client.get(reverse("pharmacy:day_sheets") + "?date=not-a-day").status_code == 404
    assert not PrintedSheet.objects.exists()


def test_printed_sheets_are_never_changed_nor_deleted(client_for, sheet_infusion):
    _sheet_pdf(client_for("pharmacist"), sheet_infusion)
    printed = PrintedSheet.objects.get()
    with pytest.raises(HardDeleteForbidden):
        printed.delete()
    with pytest.raises(HardDeleteForbidden):
        PrintedSheet.objects.all().delete()
    printed.pdf = b"forged"
    with pytest.raises(ValueError):
        printed.save()


@pytest.mark.parametrize("sheets", [3, 8])
def test_the_days_pdf_reads_a_constant_number_of_queries(
    client_for, make_patient, make_infusion, sheets, django_assert_num_queries
):
    for n in range(sheets):
        make_infusion(make_patient(code=f"Q{n:02d}", start=DAY), DAY, vials_120=6)
    client = client_for("pharmacist")
    # session, user, the user's permissions (its own, its groups'); the day's infusions with
    # their patients, courses, regimens, preparers and checkers; the archive (none yet); the
    # earlier infusions of their courses; the lots they drew (issue 14); the department's
    # settings; the savepoint, INSERT and release of the archived print; the session saved
    # (savepoint, UPDATE, release: the first request since the login)
    with django_assert_num_queries(15):
        _day_pdf(client)
    # printed: session, user, permissions (2), the day's infusions, the archived print (the
    # session's expiry was pushed by the first request)
    with django_assert_num_queries(6):
        _day_pdf(client)


def test_the_sheet_page_and_the_worklist_link_the_pdfs(client_for, sheet_infusion):
    sheet = reverse("pharmacy:infusion_sheet", args=[sheet_infusion.pk])
    pdf = reverse("pharmacy:infusion_sheet_pdf", args=[sheet_infusion.pk])
    html = client_for("pharmacist").get(sheet).content.decode()  # in French
    assert pdf in html and "Pharmacie à usage intérieur" in html
    assert "Pas encore imprimée" in html
    html = client_for("clinician").get(sheet).content.decode()
    assert pdf not in html and "CHU de Strasbourg" in html
    day_pdf = reverse("pharmacy:day_sheets_pdf")
    assert day_pdf in client_for("pharmacist").get(reverse("pharmacy:worklist")).content.decode()
    assert day_pdf not in client_for("clinician").get(reverse("pharmacy:worklist")).content.decode()


def test_only_the_apps_static_files_are_read():
    assert static_file("https://sheets.invalid/static/css/preparation_sheet.css") is not None
    for url in (
        "https://example.com/static/css/preparation_sheet.css",
        "https://sheets.invalid/static/../belimumab/settings.py",
        "https://sheets.invalid/static/css/missing.css",
        "https://sheets.invalid/media/x.pdf",
        "file:///etc/passwd",
        "data:text/css,body{}",
    ):
        assert static_file(url) is None, url
        with pytest.raises(ValueError):
            static_fetcher()().fetch(url)


@pytest.mark.parametrize("sheets", [3, 8])
def test_the_days_page_reads_a_constant_number_of_queries(
    client_for, make_patient, make_infusion, sheets, django_assert_num_queries
):
    for n in range(sheets):
        make_infusion(make_patient(code=f"Q{n:02d}", start=DAY), DAY, vials_120=6)
    client = client_for("pharmacist")
    url = f"{reverse('pharmacy:day_sheets')}?date={DAY.isoformat()}"
    # session, user, permissions (2), the day's infusions with their patients, the archive, the
    # session saved (savepoint, UPDATE, release: the first request since the login): 9 whatever
    # the number of sheets
    with django_assert_num_queries(9):
        response = client.get(url)
    page = response.content.decode()
    assert all(f"Q{n:02d}" in page for n in range(sheets))
