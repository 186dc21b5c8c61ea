"""Infusions (IV) and dispensations of pens (SC) of belimumab, with their preparation details."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from belimumab.core.models import ClinicalModel, ConfirmedChecks, HardDeleteForbidden
from belimumab.patients.models import Course, Patient
from belimumab.stock.models import StockMovement, VialLot


class Reaction(models.TextChoices):
    NONE = "none", _("None")
    MILD = "mild", _("Mild (infusion slowed)")
    MODERATE = "moderate", _("Moderate (infusion stopped, treated)")
    SEVERE = "severe", _("Severe (anaphylaxis)")


class Diluent(models.TextChoices):
    """The 250 mL bag (Benlysta SmPC 6.6): never glucose 5 %, which is incompatible."""

    NACL_09 = "nacl_0.9", _("Sodium chloride 0.9 %")
    NACL_045 = "nacl_0.45", _("Sodium chloride 0.45 %")
    RINGER_LACTATE = "ringer_lactate", _("Ringer's lactate")


class Infusion(ClinicalModel, ConfirmedChecks):
    """One administration of belimumab: an infusion (IV) or a dispensation of pens (SC).

    `prescribed_dose_mg` is the dose by the regimen (10 mg/kg x weight, or the weekly SC dose);
    `prepared_dose_mg` what was actually prepared (lower when the department's rounding was
    applied, then `rounding_reason` says why). Vials are counted for IV preparations. An SC
    record is a dispensation of `pens` pens, one weekly dose each, covering `pens` weeks
    (`belimumab.domain.pens`); an IV record keeps 1.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="infusions")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="infusions")
    date = models.DateField(_("date"))
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    prescribed_dose_mg = models.DecimalField(
        _("prescribed dose (mg)"), max_digits=7, decimal_places=1
    )
    prepared_dose_mg = models.DecimalField(_("prepared dose (mg)"), max_digits=7, decimal_places=1)
    rounding_reason = models.CharField(_("reason for the dose change"), max_length=300, blank=True)
    vials_120 = models.PositiveSmallIntegerField(_("120 mg vials"), default=0)
    vials_400 = models.PositiveSmallIntegerField(_("400 mg vials"), default=0)
    # the free text of the lot numbers before lots were structured (issue 14), and for a
    # presentation the stock does not hold: shown as recorded, never parsed
    lots_as_recorded = models.CharField(_("lots as recorded"), max_length=200, blank=True)
    diluent = models.CharField(_("diluent"), max_length=40, choices=Diluent.choices, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("prepared by"),
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("checked by"),
    )
    premedication = models.BooleanField(
        _("premedication (paracetamol + dexchlorpheniramine)"), default=True
    )
    reaction = models.CharField(
        _("reaction during infusion"),
        max_length=10,
        choices=Reaction.choices,
        default=Reaction.NONE,
    )
    reaction_notes = models.CharField(_("reaction details"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # 1 for every record made before dispensations existed: one pen, one week (issue 16)
    pens = models.PositiveSmallIntegerField(
        _("pens dispensed"),
        default=1,
        help_text=_("Subcutaneous: one pen per week of treatment."),
    )

    class Meta:
        ordering = ["patient__code", "date"]
        verbose_name = _("infusion")
        verbose_name_plural = _("infusions")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "date"],
                condition=Q(is_active=True),
                name="one_infusion_per_patient_per_day",
                violation_error_message=_("This patient already has an infusion on this date."),
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=True) | Q(weight_kg__gt=0),
                name="infusion_weight_positive",
            ),
            models.CheckConstraint(
                condition=Q(prescribed_dose_mg__gt=0) & Q(prepared_dose_mg__gt=0),
                name="infusion_dose_positive",
            ),
            models.CheckConstraint(
                condition=Q(prepared_by__isnull=True)
                | Q(checked_by__isnull=True)
                | ~Q(prepared_by=F("checked_by")),
                name="infusion_checker_is_not_preparer",
            ),
            models.CheckConstraint(
                condition=Q(pens__gte=1),
                name="infusion_pens_at_least_one",
                violation_error_message=_("A dispensation has at least one pen."),
            ),
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.patient.code} {self.date:%Y-%m-%d}"


class InfusionLot(ClinicalModel):
    """Vials (or pens) of one stock lot that went into an infusion or dispensation.

    `movement` is the stock's "used" movement of the draw; None for a lot imported from
    history, which never went through this stock. An infusion corrected or deactivated gives
    its draws back (a "restored" movement each) and these rows are deactivated, never deleted.
    """

    infusion = models.ForeignKey(
        Infusion, on_delete=models.PROTECT, related_name="lot_draws", verbose_name=_("infusion")
    )
    lot = models.ForeignKey(
        VialLot, on_delete=models.PROTECT, related_name="infusion_draws", verbose_name=_("lot")
    )
    vials = models.PositiveSmallIntegerField(_("vials"))
    movement = models.OneToOneField(
        StockMovement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="infusion_draw",
        verbose_name=_("stock movement"),
    )

    class Meta:
        ordering = ["infusion", "lot__presentation", "lot__expiry", "pk"]
        verbose_name = _("lot of an infusion")
        verbose_name_plural = _("lots of infusions")
        constraints = [
            models.CheckConstraint(condition=Q(vials__gte=1), name="infusion_lot_vials_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.lot.number} x{self.vials}"


class CourseSchedule(models.Model):
    """Where a course's schedule stands after its last administration (derived, not clinical).

    A cache of `belimumab.domain.schedule.course_snapshot` over the course's active infusions,
    with the few course and patient fields the worklist filters and sorts on, kept true by
    `belimumab.pharmacy.schedules` (signals on every save of an infusion, a course or a patient,
    and the importer's bulk refresh). The worklist then selects, counts and pages each of its
    sections (due, overdue, to review, first infusion) on this one indexed table, whatever the
    cohort size. Not audited and not backed up: it is rebuilt from the records
    (`refresh_course_schedules`).
    """

    course = models.OneToOneField(
        Course, on_delete=models.CASCADE, primary_key=True, related_name="schedule"
    )
    # copies: the course and its patient are both active; the course's stop and end of
    # follow-up; the patient's code
    active = models.BooleanField(default=True)
    stop_date = models.DateField(null=True, blank=True)
    follow_up_end = models.DateField(null=True, blank=True)
    patient_code = models.CharField(max_length=40)
    # the snapshot
    given_count = models.PositiveIntegerField(default=0)
    last_given = models.DateField(null=True, blank=True)
    last_weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    last_pens = models.PositiveSmallIntegerField(null=True, blank=True)  # SC: the last dispensation
    next_due = models.DateField()
    missed_before = models.PositiveIntegerField(default=0)
    missed_from = models.DateField()

    class Meta:
        verbose_name = _("course schedule")
        verbose_name_plural = _("course schedules")
        indexes = [
            models.Index(
                fields=["next_due", "patient_code", "course"], name="courseschedule_next_due"
            ),
            # the worklist's "first infusion due": a few dozen among 10,000 courses, which the
            # index above can only find by reading every course (a sequential scan)
            models.Index(
                fields=["next_due", "patient_code", "course"],
                condition=models.Q(given_count=0),
                name="courseschedule_first_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_code} next {self.next_due:%Y-%m-%d}"


class PrintedSheetQuerySet(models.QuerySet["PrintedSheet"]):
    def delete(self) -> Any:
        raise HardDeleteForbidden(_("A printed sheet is archived for good: it cannot be deleted."))


class PrintedSheet(models.Model):
    """The PDF of a preparation sheet (one infusion) or of a day's sheets, as it was printed.

    Append-only: the first print of a sheet or of a day stores the bytes, later requests return
    those same bytes whatever changed since (the infusion, the template, the hospital's header);
    a print after a correction is a new row with the next `version`, the earlier ones stay. The
    row is its own audit record (who printed, when, the SHA-256 of what was printed; it is never
    updated, so there is no before/after to keep), and it is never deleted. The bytes live in the
    database rather than in MEDIA: they are written in the same transaction as the row, copied
    by the database's backups and `manage.py backup`, and every application server reads them
    without a shared file system (a day of 40 sheets is about 160 KB).
    `sources` holds the (infusion pk, infusion version, patient version) of the infusions the
    PDF was made from, so that a correction (of an infusion or of a patient's name) or a new
    infusion of the day is seen.
    """

    class Kind(models.TextChoices):
        SHEET = "sheet", _("Preparation sheet")
        DAY = "day", _("Day's preparation sheets")

    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    infusion = models.ForeignKey(
        Infusion,
        on_delete=models.PROTECT,
        related_name="printed_sheets",
        null=True,
        blank=True,
        verbose_name=_("infusion"),
    )
    day = models.DateField(_("day"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    sources = models.JSONField(_("infusions and their versions"), default=list)
    language = models.CharField(_("language"), max_length=10)
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("printed by"),
    )
    created_at = models.DateTimeField(_("printed at"), auto_now_add=True)

    objects = PrintedSheetQuerySet.as_manager()

    class Meta:
        verbose_name = _("printed sheet")
        verbose_name_plural = _("printed sheets")
        ordering = ["kind", "day", "infusion", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["infusion", "version"],
                condition=Q(kind="sheet"),
                name="one_printed_sheet_per_infusion_version",
            ),
            models.UniqueConstraint(
                fields=["day", "version"],
                condition=Q(kind="day"),
                name="one_printed_day_per_version",
            ),
            models.CheckConstraint(
                condition=(Q(kind="sheet") & Q(infusion__isnull=False))
                | (Q(kind="day") & Q(infusion__isnull=True)),
                name="printed_sheet_kind_matches_infusion",
            ),
        ]

    def __str__(self) -> str:
        what = self.infusion_id if self.kind == self.Kind.SHEET else self.day.isoformat()
        return f"{self.kind} {what} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A printed sheet is never changed: print a new version instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise HardDeleteForbidden(_("A printed sheet is archived for good: it cannot be deleted."))
