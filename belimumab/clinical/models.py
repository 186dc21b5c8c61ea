"""Clinical follow-up: visits (SELENA-SLEDAI, PGA, flare), labs, treatment doses, adverse events."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from belimumab.core.models import ClinicalModel, ConfirmedChecks
from belimumab.domain import pharmacovigilance as pv
from belimumab.patients.models import Patient


class Flare(models.TextChoices):
    NONE = "none", _("No flare")
    MILD_MODERATE = "mild_moderate", _("Mild/moderate flare")
    SEVERE = "severe", _("Severe flare")


VISIT_SENT_TWICE = _(
    "This visit was already saved: the form was sent twice. Check the patient's visits before "
    "entering it again."
)


class Visit(ClinicalModel, ConfirmedChecks):
    """A clinical visit.

    `descriptors` holds the SELENA-SLEDAI descriptor codes present (belimumab.domain.sledai);
    `descriptors_recorded` says whether they were assessed. Retrospective visits may carry only
    `recorded_total`. `sledai` is the score in force (weighted sum, or the recorded total),
    computed by the service on save so that reports can read it with one query.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visits")
    date = models.DateField(_("date"))
    descriptors_recorded = models.BooleanField(_("descriptors assessed"), default=False)
    descriptors = models.JSONField(_("SELENA-SLEDAI descriptors present"), default=list, blank=True)
    recorded_total = models.PositiveSmallIntegerField(
        _("recorded SELENA-SLEDAI total"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(105)],
    )
    sledai = models.PositiveSmallIntegerField(_("SELENA-SLEDAI"), null=True, blank=True)
    pga = models.DecimalField(
        _("physician global assessment (0-3)"),
        max_digits=2,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(3)],
    )
    flare = models.CharField(_("flare"), max_length=16, choices=Flare.choices, blank=True)
    flare_suggested = models.CharField(
        _("flare suggested by the SELENA flare index"),
        max_length=16,
        choices=Flare.choices,
        blank=True,
    )
    bilag_new_a = models.PositiveSmallIntegerField(_("new BILAG A"), null=True, blank=True)
    bilag_new_b = models.PositiveSmallIntegerField(_("new BILAG B"), null=True, blank=True)
    hospitalised = models.BooleanField(_("hospitalised for lupus"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    # The new-visit form's one-time token: the same form sent twice (two parallel POSTs, a
    # resend) makes one visit. Two visits on one day are legitimate, so the date cannot be the key
    # as it is for infusions.
    submission = models.UUIDField(_("form submission"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["patient__code", "date"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.UniqueConstraint(
                fields=["submission"],
                name="one_visit_per_submission",
                violation_error_message=VISIT_SENT_TWICE,
            ),
            models.CheckConstraint(
                condition=Q(pga__isnull=True) | Q(pga__gte=0) & Q(pga__lte=3),
                name="visit_pga_0_3",
            ),
            models.CheckConstraint(
                condition=Q(sledai__isnull=True) | Q(sledai__lte=105), name="visit_sledai_max"
            ),
        ]
        indexes = [models.Index(fields=["patient", "date"])]

    def __str__(self) -> str:
        return f"{self.patient.code} {self.date:%Y-%m-%d}"


class LabTest(models.TextChoices):
    ANTI_DSDNA = "anti_dsdna", _("Anti-dsDNA antibodies")
    CH50 = "ch50", _("CH50")
    C3 = "c3", _("C3")
    C4 = "c4", _("C4")
    PLATELETS = "platelets", _("Platelets")
    LEUKOCYTES = "leukocytes", _("Leukocytes")
    PROTEINURIA = "proteinuria", _("Proteinuria (24 h)")
    UPCR = "upcr", _("Urine protein/creatinine ratio")


class LabResult(ClinicalModel):
    """A laboratory result with the unit and the normal range in force when it was measured."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="labs")
    date = models.DateField(_("date"))
    test = models.CharField(_("test"), max_length=16, choices=LabTest.choices)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=16)
    lower_limit = models.DecimalField(
        _("lower limit of normal"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    upper_limit = models.DecimalField(
        _("upper limit of normal"), max_digits=10, decimal_places=3, null=True, blank=True
    )

    class Meta:
        ordering = ["patient__code", "date", "test"]
        verbose_name = _("lab result")
        verbose_name_plural = _("lab results")
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="lab_value_not_negative"),
        ]
        indexes = [models.Index(fields=["patient", "test", "date"])]

    def __str__(self) -> str:
        return f"{self.patient.code} {self.test} {self.date:%Y-%m-%d}"

    @property
    def is_abnormal(self) -> bool:
        below = self.lower_limit is not None and self.value < self.lower_limit
        above = self.upper_limit is not None and self.value > self.upper_limit
        return below or above


class TreatmentDose(ClinicalModel, ConfirmedChecks):
    """A concomitant treatment dose in force from `start_date` until the next row of the drug.

    A dose of 0 means stopped. Corticosteroid doses are stored as given (drug, mg/day) and shown
    in prednisone equivalent (belimumab.domain.treatments).
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="treatments")
    drug = models.CharField(_("drug"), max_length=32)
    start_date = models.DateField(_("from"))
    dose = models.DecimalField(_("dose"), max_digits=8, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=16, default="mg/day")

    class Meta:
        ordering = ["patient__code", "drug", "start_date"]
        verbose_name = _("treatment dose")
        verbose_name_plural = _("treatment doses")
        constraints = [
            models.CheckConstraint(condition=Q(dose__gte=0), name="treatment_dose_not_negative"),
            models.UniqueConstraint(
                fields=["patient", "drug", "start_date"],
                condition=Q(is_active=True),
                name="one_dose_change_per_drug_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient.code} {self.drug} {self.dose} {self.unit} {self.start_date}"


class AECategory(models.TextChoices):
    INFECTION = "infection", _("Infection")
    NEUTROPENIA = "neutropenia", _("Neutropenia")
    RASH = "rash", _("Rash")
    INFUSION_REACTION = "infusion_reaction", _("Infusion reaction")
    OTHER = "other", _("Other")


class AEOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    RESOLVING = "resolving", _("Resolving")
    ONGOING = "ongoing", _("Ongoing")
    SEQUELAE = "sequelae", _("Resolved with sequelae")
    FATAL = "fatal", _("Fatal")
    UNKNOWN = "unknown", _("Unknown")


class AEGrade(models.IntegerChoices):
    """CTCAE v5.0 grades (belimumab.domain.pharmacovigilance)."""

    MILD = 1, _("1 - mild")
    MODERATE = 2, _("2 - moderate")
    SEVERE = 3, _("3 - severe")
    LIFE_THREATENING = 4, _("4 - life-threatening")
    DEATH = 5, _("5 - death")


class AECausality(models.TextChoices):
    RELATED = "related", _("Related")
    POSSIBLY_RELATED = "possibly_related", _("Possibly related")
    UNLIKELY_RELATED = "unlikely_related", _("Unlikely related")
    UNRELATED = "unrelated", _("Unrelated")


class AEAction(models.TextChoices):
    NONE = "none", _("None (belimumab continued)")
    DELAYED = "delayed", _("Dose delayed")
    INTERRUPTED = "interrupted", _("Interrupted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AdverseEvent(ClinicalModel):
    """An adverse event. `serious` is the regulatory seriousness (hospitalisation, death...);
    `severity_grade` the CTCAE intensity. Events recorded before grading carry no grade,
    causality or action (blank = not assessed)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="adverse_events")
    onset_date = models.DateField(_("onset"))
    term = models.CharField(_("term"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=AECategory.choices)
    site = models.CharField(_("site (infections)"), max_length=100, blank=True)
    serious = models.BooleanField(_("serious"), default=False)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=AEOutcome.choices, default=AEOutcome.UNKNOWN
    )
    infusion = models.ForeignKey(
        "pharmacy.Infusion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adverse_events",
        verbose_name=_("related infusion"),
    )
    severity_grade = models.PositiveSmallIntegerField(
        _("CTCAE grade"), choices=AEGrade.choices, null=True, blank=True
    )
    causality = models.CharField(
        _("causality (belimumab)"), max_length=20, choices=AECausality.choices, blank=True
    )
    action_taken = models.CharField(
        _("action taken on belimumab"), max_length=16, choices=AEAction.choices, blank=True
    )
    reported_to_pv = models.BooleanField(_("reported to pharmacovigilance"), default=False)
    pv_report_date = models.DateField(
        _("date reported to pharmacovigilance"), null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["patient__code", "onset_date"]
        verbose_name = _("adverse event")
        verbose_name_plural = _("adverse events")
        constraints = [
            models.CheckConstraint(
                condition=Q(severity_grade__isnull=True)
                | Q(severity_grade__gte=pv.GRADES[0], severity_grade__lte=pv.GRADES[-1]),
                name="adverse_event_ctcae_grade",
            ),
            # the report date goes with the flag, both ways, and not before the onset
            models.CheckConstraint(
                condition=Q(reported_to_pv=False, pv_report_date__isnull=True)
                | Q(
                    reported_to_pv=True,
                    pv_report_date__isnull=False,  # a NULL comparison would pass the check
                    pv_report_date__gte=F("onset_date"),
                ),
                name="adverse_event_pv_report_date",
            ),
        ]

    @property
    def is_severe(self) -> bool:
        return pv.is_severe(self.severity_grade)

    def __str__(self) -> str:
        return f"{self.patient.code} {self.term}"


class AdjudicatedStatus(models.TextChoices):
    RESPONDER = "responder", _("Responder")
    NON_RESPONDER = "non_responder", _("Non-responder")
    FAILURE = "failure", _("Failure")


class Adjudication(ClinicalModel):
    """A clinician's status of a patient at a time point; the computed status stays beside it."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="adjudications")
    timepoint = models.CharField(_("time point"), max_length=4)
    status = models.CharField(_("status"), max_length=16, choices=AdjudicatedStatus.choices)
    reason = models.CharField(_("reason"), max_length=500)
    adjudicated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["patient__code", "timepoint"]
        verbose_name = _("adjudication")
        verbose_name_plural = _("adjudications")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "timepoint"],
                condition=Q(is_active=True),
                name="one_adjudication_per_timepoint",
            )
        ]
