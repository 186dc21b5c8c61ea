"""Patients, their belimumab courses and the regimens those courses follow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from belimumab.core.models import ClinicalModel, ConfirmedChecks
from belimumab.domain import cohort
from belimumab.domain.schedule import Regimen as DomainRegimen

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class Smoking(models.TextChoices):
    CURRENT = "current", _("Current smoker")
    FORMER = "former", _("Former smoker")
    NEVER = "never", _("Never smoked")
    UNKNOWN = "unknown", _("Unknown")


class Manifestation(models.TextChoices):
    CUTANEOUS_ARTICULAR = "cutaneous_articular", _("Cutaneous and articular")
    RENAL = "renal", _("Renal")
    HAEMATOLOGICAL = "haematological", _("Haematological")
    CARDIAC = "cardiac", _("Cardiac")
    PULMONARY = "pulmonary", _("Pulmonary")
    NEUROLOGICAL = "neurological", _("Neurological")


class PreviousTreatment(models.TextChoices):
    HYDROXYCHLOROQUINE = "hydroxychloroquine", _("Hydroxychloroquine")
    CORTICOSTEROIDS = "corticosteroids", _("Corticosteroids")
    MYCOPHENOLATE = "mycophenolate", _("Mycophenolate mofetil")
    METHOTREXATE = "methotrexate", _("Methotrexate")
    AZATHIOPRINE = "azathioprine", _("Azathioprine")
    CYCLOPHOSPHAMIDE = "cyclophosphamide", _("Cyclophosphamide")
    DAPSONE = "dapsone", _("Dapsone")
    CHLOROQUINE = "chloroquine", _("Chloroquine")
    THALIDOMIDE = "thalidomide", _("Thalidomide")
    RITUXIMAB = "rituximab", _("Rituximab")
    ABATACEPT = "abatacept", _("Abatacept")
    TOCILIZUMAB = "tocilizumab", _("Tocilizumab")
    ETANERCEPT = "etanercept", _("Etanercept")
    OTHER_BIOLOGIC = "other_biologic", _("Other biologic")


BIOLOGICS = ("rituximab", "abatacept", "tocilizumab", "etanercept", "other_biologic")


class InitiationReason(models.TextChoices):
    INEFFICACY = "inefficacy", _("Inefficacy of previous lines")
    WORSENING = "worsening", _("Worsening")
    STEROID_SPARING = "steroid_sparing", _("Corticosteroid sparing")


class Indication(models.TextChoices):
    SLE = "sle", _("Systemic lupus erythematosus")
    OTHER = "other", _("Other indication")


class Route(models.TextChoices):
    IV = "iv", _("Intravenous")
    SC = "sc", _("Subcutaneous")


class StopReason(models.TextChoices):
    INEFFICACY = "inefficacy", _("Inefficacy")
    ADVERSE_EVENT = "adverse_event", _("Adverse event")
    PATIENT_CHOICE = "patient_choice", _("Patient choice")
    REMISSION = "remission", _("Remission")
    PREGNANCY = "pregnancy", _("Pregnancy plan")
    OTHER = "other", _("Other")


class FollowUpEndReason(models.TextChoices):
    """Why follow-up ended without a decision to stop belimumab (not a stop: DOMAIN.md)."""

    LOST_TO_FOLLOW_UP = cohort.LOST_TO_FOLLOW_UP, _("Lost to follow-up")
    TRANSFERRED = cohort.TRANSFERRED, _("Transferred to another hospital")
    DEATH = cohort.DEATH, _("Death")
    STUDY_END = cohort.STUDY_END, _("End of a study's follow-up")


class Patient(ClinicalModel):
    """A patient identified by a pseudonymous code; name and birth date are personal data."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    # The identifier the hospital's systems use (laboratory results are matched on it, never on
    # a name); optional, unique when set.
    hospital_id = models.CharField(
        _("hospital identifier"),
        max_length=32,
        blank=True,
        default="",
        # in the database too: code (or a migration test) that does not know the column yet
        # can still insert a patient
        db_default="",
        help_text=_("The patient's identifier in the hospital's systems (laboratory feed)."),
    )
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    smoking = models.CharField(
        _("smoking"), max_length=10, choices=Smoking.choices, default=Smoking.UNKNOWN
    )
    manifestations = models.JSONField(_("SLE manifestations"), default=list, blank=True)
    previous_treatments = models.JSONField(_("previous treatments"), default=list, blank=True)
    initiation_reasons = models.JSONField(
        _("reasons for starting belimumab"), default=list, blank=True
    )
    indication = models.CharField(
        _("indication"), max_length=10, choices=Indication.choices, default=Indication.SLE
    )
    prior_trial = models.BooleanField(
        _("belimumab previously received in a clinical trial"), default=False
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.UniqueConstraint(
                fields=["hospital_id"],
                condition=~Q(hospital_id=""),
                name="patient_hospital_id_unique",
                violation_error_message=_("This hospital identifier is already used."),
            )
        ]
        permissions = [
            ("view_identity", _("Can see patient names and birth dates")),
            ("view_history", _("Can read the audit history of clinical records")),
            ("view_cohort_report", _("Can read the cohort dashboard and export it")),
            ("import_cohort", _("Can import cohort files")),
            ("export_audit", _("Can export the audit log")),
        ]

    def __str__(self) -> str:
        return self.code


# The names patients.regimens seeds, shown in the user's language; a name an administrator typed
# is shown as typed. The stored name never changes with the language.
SEEDED_REGIMEN_NAMES = frozenset(
    {
        gettext_noop("IV 10 mg/kg D0, D14, D28 then every 28 days"),
        gettext_noop("IV lupus nephritis 10 mg/kg D0, D14, D28 then every 28 days"),
        gettext_noop("SC 200 mg weekly"),
        gettext_noop("SC lupus nephritis 400 mg weekly x4 then 200 mg weekly"),
    }
)


class Regimen(models.Model):
    """A belimumab regimen as data (DOMAIN.md): route, dose and intervals.

    Reference data, not clinical data: seeded by migration, editable by administrators.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    route = models.CharField(_("route"), max_length=2, choices=Route.choices)
    mg_per_kg = models.PositiveSmallIntegerField(_("dose (mg/kg)"), null=True, blank=True)
    fixed_dose_mg = models.PositiveSmallIntegerField(_("fixed dose (mg)"), null=True, blank=True)
    loading_intervals_days = models.JSONField(
        _("loading intervals (days)"), default=list, blank=True
    )
    loading_doses_mg = models.JSONField(_("loading doses (mg)"), default=list, blank=True)
    interval_days = models.PositiveSmallIntegerField(_("interval (days)"))

    class Meta:
        ordering = ["route", "code"]
        verbose_name = _("regimen")
        verbose_name_plural = _("regimens")
        constraints = [
            models.CheckConstraint(
                condition=Q(mg_per_kg__isnull=False) | Q(fixed_dose_mg__isnull=False),
                name="regimen_has_a_dose",
            )
        ]

    def __str__(self) -> str:
        return gettext(self.name) if self.name in SEEDED_REGIMEN_NAMES else self.name

    def as_domain(self) -> DomainRegimen:
        return DomainRegimen(
            code=self.code,
            route=self.route,
            mg_per_kg=self.mg_per_kg,
            fixed_dose_mg=self.fixed_dose_mg,
            loading_intervals_days=tuple(self.loading_intervals_days),
            interval_days=self.interval_days,
            loading_doses_mg=tuple(self.loading_doses_mg),
        )


class Course(ClinicalModel, ConfirmedChecks):
    """One belimumab course of a patient: from start to stop (with a reason).

    Follow-up can also end without a stop (lost, transferred, death, end of a study's
    follow-up): retention censors it there and the course leaves the worklist (DOMAIN.md "The
    treatment course"). A stop is a clinician's decision; an end of follow-up is not one.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="courses")
    regimen = models.ForeignKey(Regimen, on_delete=models.PROTECT, verbose_name=_("regimen"))
    start_date = models.DateField(_("start date (D0)"))
    stop_date = models.DateField(_("stop date"), null=True, blank=True)
    stop_reason = models.CharField(
        _("stop reason"), max_length=20, choices=StopReason.choices, blank=True
    )
    stop_note = models.CharField(_("stop details"), max_length=300, blank=True)
    follow_up_end = models.DateField(_("end of follow-up"), null=True, blank=True)
    follow_up_end_reason = models.CharField(
        _("reason for the end of follow-up"),
        max_length=20,
        choices=FollowUpEndReason.choices,
        blank=True,
    )
    follow_up_end_note = models.CharField(_("end of follow-up details"), max_length=300, blank=True)

    class Meta:
        ordering = ["patient__code", "start_date"]
        verbose_name = _("belimumab course")
        verbose_name_plural = _("belimumab courses")
        permissions = [
            ("end_follow_up", _("Can record the end of a course's follow-up")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(stop_date__isnull=True) | Q(stop_date__gte=F("start_date")),
                name="course_stop_after_start",
            ),
            models.CheckConstraint(
                condition=Q(stop_date__isnull=True, stop_reason="")
                | Q(stop_date__isnull=False) & ~Q(stop_reason=""),
                name="course_stop_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_end__isnull=True) | Q(follow_up_end__gte=F("start_date")),
                name="course_follow_up_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_end__isnull=True, follow_up_end_reason="")
                | Q(follow_up_end__isnull=False) & ~Q(follow_up_end_reason=""),
                name="course_follow_up_end_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient.code} {self.start_date:%Y-%m-%d}"

    @property
    def route(self) -> str:
        return self.regimen.route

    def clean(self) -> None:
        """An end of follow-up comes with its reason, and not before the course started."""
        super().clean()
        errors: dict[str, StrOrPromise] = {}
        end, reason = self.follow_up_end, self.follow_up_end_reason
        if end is not None and self.start_date is not None and end < self.start_date:
            errors["follow_up_end"] = _("The end of follow-up is before the start date.")
        if end is not None and not reason:
            errors["follow_up_end_reason"] = _("Give the reason follow-up ended.")
        if reason and end is None:
            errors["follow_up_end"] = _("Give the date follow-up ended.")
        if errors:
            raise ValidationError(errors)
