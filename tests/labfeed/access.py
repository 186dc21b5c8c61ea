"""Who may use the laboratory feed's pages: clinicians decide on results, administrators keep
the code mappings and the senders; the HL7 endpoint answers a bearer token, not a session."""

from belimumab.labfeed.models import LabCodeMapping, Sender
from tests.access_spec import ADMINISTRATOR, ALL_ROLES, CLINICIAN, Rule

CLINICIANS = frozenset({CLINICIAN})
ADMIN = frozenset({ADMINISTRATOR})


def _mapping(world):
    return {"pk": LabCodeMapping.objects.first().pk}


def _sender(world):
    return {"pk": Sender.objects.get_or_create(name="access-lab")[0].pk}


RULES = [
    # no session needed, none enough: without a sender's token every caller gets 401
    Rule("labfeed:hl7", post=ALL_ROLES, anonymous_ok=True, ok_status=(401,)),
    Rule("labfeed:pending", get=CLINICIANS),
    # a decision on an unknown result: 404 once allowed (the view needs the row)
    Rule("labfeed:decide", post=CLINICIANS, kwargs=lambda w: {"pk": 999999}, ok_status=(404,)),
    Rule("labfeed:rematch", post=CLINICIANS),
    Rule("labfeed:mappings", get=ADMIN),
    Rule("labfeed:mapping_add", get=ADMIN, post=ADMIN),
    Rule("labfeed:mapping_edit", get=ADMIN, post=ADMIN, kwargs=_mapping),
    Rule("labfeed:senders", get=ADMIN),
    Rule("labfeed:sender_add", post=ADMIN, ok_status=(200, 400)),
    Rule("labfeed:sender_token", post=ADMIN, kwargs=_sender),
    Rule("labfeed:sender_deactivate", post=ADMIN, kwargs=_sender),
]
