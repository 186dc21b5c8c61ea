"""Infusions (IV) and injections (SC) of belimumab, with their preparation details."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from belimumab.core.models import ClinicalModel
from belimumab.patients.models import Course, Patient


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


class Infusion(ClinicalModel):
    """One administration of belimumab.

    `prescribed_dose_mg` is the dose by the regimen (10 mg/kg x weight, or the SC dose);
    `prepared_dose_mg` what was actually prepared (lower when the department's rounding was
    applied, then `rounding_reason` says why). Vials are counted for IV preparations.
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
    lots = models.CharField(_("lot numbers"), max_length=200, blank=True)
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
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.patient.code} {self.date:%Y-%m-%d}"
