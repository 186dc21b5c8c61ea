"""Human labels of the domain's codes shown by the clinical app (the domain returns codes only).

SELENA-SLEDAI descriptors with short definitions (SELENA-SLEDAI form, Petri M et al., N Engl J Med
2005;353:2550-8, supplementary appendix; Bombardier C et al., Arthritis Rheum 1992;35:630-40),
organ systems, activity classes, flare criteria, concomitant drugs and the reasons of the
response rule (templates filled with the numbers of `Response.detail`).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

DESCRIPTOR_LABELS = {
    "seizure": _("Seizure"),
    "psychosis": _("Psychosis"),
    "organic_brain_syndrome": _("Organic brain syndrome"),
    "visual_disturbance": _("Visual disturbance"),
    "cranial_nerve_disorder": _("Cranial nerve disorder"),
    "lupus_headache": _("Lupus headache"),
    "cva": _("Cerebrovascular accident"),
    "vasculitis": _("Vasculitis"),
    "arthritis": _("Arthritis"),
    "myositis": _("Myositis"),
    "urinary_casts": _("Urinary casts"),
    "haematuria": _("Haematuria"),
    "proteinuria": _("Proteinuria"),
    "pyuria": _("Pyuria"),
    "rash": _("Rash"),
    "alopecia": _("Alopecia"),
    "mucosal_ulcers": _("Mucosal ulcers"),
    "pleurisy": _("Pleurisy"),
    "pericarditis": _("Pericarditis"),
    "low_complement": _("Low complement"),
    "increased_dna_binding": _("Increased DNA binding"),
    "fever": _("Fever"),
    "thrombocytopenia": _("Thrombocytopenia"),
    "leukopenia": _("Leukopenia"),
}

# Short SELENA-SLEDAI definitions: present at the visit or in the preceding 10 days.
DESCRIPTOR_DEFINITIONS = {
    "seizure": _("Recent onset. Exclude metabolic, infectious or drug causes."),
    "psychosis": _(
        "Altered ability to function in normal activity due to severe disturbance in the "
        "perception of reality: hallucinations, incoherence, marked loose associations, "
        "impoverished thought content, marked illogical thinking, bizarre, disorganised or "
        "catatonic behaviour. Exclude uraemia and drug causes."
    ),
    "organic_brain_syndrome": _(
        "Altered mental function with impaired orientation, memory or other intellectual "
        "function, rapid onset and fluctuating features: clouding of consciousness with reduced "
        "attention, plus at least 2 of perceptual disturbance, incoherent speech, insomnia or "
        "daytime drowsiness, altered psychomotor activity. Exclude metabolic, infectious or "
        "drug causes."
    ),
    "visual_disturbance": _(
        "Retinal changes of SLE: cytoid bodies, retinal haemorrhages, serous exudate or "
        "haemorrhages in the choroid, or optic neuritis, scleritis, episcleritis. Exclude "
        "hypertension, infection or drug causes."
    ),
    "cranial_nerve_disorder": _(
        "New onset of sensory or motor neuropathy involving cranial nerves; include vertigo "
        "due to lupus."
    ),
    "lupus_headache": _(
        "Severe, persistent headache; may be migrainous, but must be non-responsive to "
        "narcotic analgesia."
    ),
    "cva": _("New onset of cerebrovascular accident(s). Exclude arteriosclerosis."),
    "vasculitis": _(
        "Ulceration, gangrene, tender finger nodules, periungual infarction, splinter "
        "haemorrhages, or biopsy or angiogram proof of vasculitis."
    ),
    "arthritis": _(
        "More than 2 joints with pain and signs of inflammation (tenderness, swelling or effusion)."
    ),
    "myositis": _(
        "Proximal muscle aching or weakness with elevated CPK or aldolase, electromyogram "
        "changes or a biopsy showing myositis."
    ),
    "urinary_casts": _("Heme-granular or red blood cell casts."),
    "haematuria": _("More than 5 red blood cells per high power field. Exclude stone, infection."),
    "proteinuria": _("New onset or recent increase of more than 0.5 g/24 h."),
    "pyuria": _("More than 5 white blood cells per high power field. Exclude infection."),
    "rash": _("New or ongoing inflammatory lupus rash."),
    "alopecia": _("New or ongoing abnormal, patchy or diffuse loss of hair due to active lupus."),
    "mucosal_ulcers": _("New or ongoing oral or nasal ulcerations due to active lupus."),
    "pleurisy": _(
        "Classic and severe pleuritic chest pain, or pleural rub, or effusion, or new pleural "
        "thickening due to lupus."
    ),
    "pericarditis": _(
        "Classic and severe pericardial pain, or rub, or effusion, or electrocardiogram or "
        "echocardiogram confirmation."
    ),
    "low_complement": _("CH50, C3 or C4 below the lower limit of normal of the laboratory."),
    "increased_dna_binding": _("Anti-dsDNA antibodies above the normal range of the laboratory."),
    "fever": _("Above 38 °C. Exclude infectious cause."),
    "thrombocytopenia": _("Platelets below %(limit)s x 10⁹/L. Exclude drug causes."),
    "leukopenia": _("Leukocytes below %(limit)s x 10⁹/L. Exclude drug causes."),
}

ORGAN_LABELS = {
    "neurological": _("Central nervous system"),
    "vascular": _("Vascular"),
    "musculoskeletal": _("Musculoskeletal"),
    "renal": _("Renal"),
    "mucocutaneous": _("Mucocutaneous"),
    "serosal": _("Serosal"),
    "immunological": _("Immunological"),
    "constitutional": _("Constitutional"),
    "haematological": _("Haematological"),
}

ACTIVITY_LABELS = {
    "none": _("No activity"),
    "mild": _("Mild activity"),
    "moderate": _("Moderate activity"),
    "high": _("High activity"),
    "very_high": _("Very high activity"),
}

FLARE_CRITERIA_LABELS = {
    "score_rise": _("SELENA-SLEDAI up by 3 or more"),
    "score_above_12": _("SELENA-SLEDAI rose above 12"),
    "platelets_below_60": _("Platelets below 60 x 10⁹/L"),
    "prednisone_raised": _("Prednisone raised (not above 0.5 mg/kg/day)"),
    "prednisone_doubled": _("Prednisone doubled"),
    "prednisone_above_0_5_mg_kg": _("Prednisone above 0.5 mg/kg/day"),
    "hospitalised": _("Hospitalised for lupus"),
    "pga_rise": _("PGA up by 1.0 or more"),
    "pga_above_2_5": _("PGA above 2.5"),
    "manifestation:rash": _("New rash"),
    "manifestation:ulcers": _("New mucosal ulcers"),
    "manifestation:serositis": _("New serositis"),
    "manifestation:arthritis": _("New arthritis"),
    "manifestation:fever": _("New fever"),
    "manifestation:cns": _("New CNS lupus"),
    "manifestation:vasculitis": _("New vasculitis"),
    "manifestation:nephritis": _("New nephritis"),
    "manifestation:myositis": _("New myositis"),
    "manifestation:haemolytic_anaemia": _("New haemolytic anaemia"),
    "new_drug:hydroxychloroquine": _("Hydroxychloroquine added"),
    "new_drug:nsaid": _("NSAID added"),
    "new_drug:cyclophosphamide": _("Cyclophosphamide added"),
    "new_drug:azathioprine": _("Azathioprine added"),
    "new_drug:methotrexate": _("Methotrexate added"),
}

DRUG_LABELS = {
    "prednisone": _("Prednisone"),
    "prednisolone": _("Prednisolone"),
    "methylprednisolone": _("Methylprednisolone"),
    "hydrocortisone": _("Hydrocortisone"),
    "mycophenolate": _("Mycophenolate"),
    "methotrexate": _("Methotrexate"),
    "azathioprine": _("Azathioprine"),
    "cyclophosphamide": _("Cyclophosphamide"),
    "tacrolimus": _("Tacrolimus"),
    "ciclosporin": _("Ciclosporin"),
    "leflunomide": _("Leflunomide"),
    "hydroxychloroquine": _("Hydroxychloroquine"),
    "chloroquine": _("Chloroquine"),
    "dapsone": _("Dapsone"),
    "thalidomide": _("Thalidomide"),
    "other": _("Other"),
}

DRUG_CATEGORY_LABELS = {
    "corticosteroid": _("Corticosteroids"),
    "immunosuppressant": _("Immunosuppressants"),
    "other": _("Other treatments"),
}

CHANGE_KIND_LABELS = {
    "started": _("started"),
    "increased": _("increased"),
    "decreased": _("decreased"),
    "stopped": _("stopped"),
    "unchanged": _("unchanged"),
}

# Reasons of belimumab.domain.response.response_at, filled with the numbers of its `detail`
# (already formatted for the user's language) and `tp` (the time point).
RESPONSE_REASONS = {
    "stopped_before": _("Belimumab stopped before %(tp)s"),
    "stopped_inefficacy": _("stopped for inefficacy"),
    "no_score": _("No SELENA-SLEDAI at %(tp)s: not evaluable"),
    "worsening": _("SLEDAI %(sledai_m0)s -> %(sledai_t)s, rose by %(rise)s"),
    "score_zero": _("SLEDAI %(sledai_t)s at %(tp)s: no activity"),
    "drop_4": _("SLEDAI %(sledai_m0)s -> %(sledai_t)s, fell by %(drop)s"),
    "steroid_decrease": _("Prednisone equivalent %(steroid_m0)s -> %(steroid_t)s mg/day"),
    "immunosuppressant_decrease": _("%(drugs)s decreased or stopped"),
    "no_improvement": _("SLEDAI %(sledai_m0)s -> %(sledai_t)s, no treatment decrease"),
}


def descriptor_definition(
    code: str, *, thrombocytopenia_below: object, leukopenia_below: object
) -> str:
    """The definition of a descriptor, with the department's lab thresholds filled in."""
    text = str(DESCRIPTOR_DEFINITIONS[code])
    if code == "thrombocytopenia":
        return text % {"limit": thrombocytopenia_below}
    if code == "leukopenia":
        return text % {"limit": leukopenia_below}
    return text


def label(mapping: Mapping[str, object], code: str | None) -> str:
    """The label of a code, or the code itself when a department added one (settings)."""
    if not code:
        return ""
    return str(mapping.get(code, code))
