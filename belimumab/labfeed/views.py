"""The laboratory feed's pages: the HL7 endpoint, the approval list, mappings and senders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from belimumab.core.views import save_form
from belimumab.labfeed import oru, selectors, services
from belimumab.labfeed.forms import DecisionForm, MappingForm, SenderForm
from belimumab.labfeed.models import LabCodeMapping, PendingLabResult, Sender

HL7_TYPE = "application/hl7-v2; charset=utf-8"


def _ack(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type=HL7_TYPE)


@csrf_exempt  # a machine posts here with its bearer token, not a browser with a session
@login_not_required
@require_POST
def hl7_receive(request: HttpRequest) -> HttpResponse:
    """One ORU^R01 message in the body; the answer is its ACK (AA, AE or AR)."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    sender = services.sender_for_token(token)
    if sender is None:
        text = _("Unknown or missing bearer token.")
        response = _ack(oru.bare_acknowledgement(services.REJECTED, text), 401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        text = _("The message is not UTF-8 text.")
        return _ack(oru.bare_acknowledgement(services.REJECTED, text), 400)
    receipt = services.message_receive(
        sender=sender, text=body, source=f"https {request.META.get('REMOTE_ADDR', '')}"
    )
    return _ack(receipt.ack, 200 if receipt.code == services.ACCEPTED else 400)


def _approval(request: HttpRequest, failed: dict[str, Any] | None = None) -> HttpResponse:
    return render(
        request,
        "labfeed/pending.html",
        {"page": selectors.approval_page(), "failed": failed or {}},
        status=400 if failed else 200,
    )


@permission_required("labfeed.view_pendinglabresult", raise_exception=True)
def pending_list(request: HttpRequest) -> HttpResponse:
    return _approval(request)


@require_POST
@permission_required("labfeed.change_pendinglabresult", raise_exception=True)
def pending_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept or reject one result; a problem is shown beside that row, nothing changed."""
    pending = get_object_or_404(
        PendingLabResult.objects.select_related("patient", "corrects"), pk=pk
    )
    form = DecisionForm(request.POST)
    accept = request.POST.get("action") == "accept"
    if form.is_valid():
        version = form.cleaned_data["version"]
        outcome = save_form(
            form,
            (
                lambda: services.pending_accept(
                    pending=pending,
                    user=request.user,
                    expected_version=version,
                    today=timezone.localdate(),
                )
            )
            if accept
            else lambda: services.pending_reject(
                pending=pending,
                user=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=version,
            ),
        )
        if outcome.saved:
            messages.success(request, _("Result accepted.") if accept else _("Result rejected."))
            return redirect("labfeed:pending")
        if outcome.conflict is not None:
            form.add_error(None, _("This result changed meanwhile: nothing was changed."))
    return _approval(request, {"pk": pk, "form": form})


@require_POST
@permission_required("labfeed.change_pendinglabresult", raise_exception=True)
def pending_rematch(request: HttpRequest) -> HttpResponse:
    changed = services.pending_rematch(user=request.user)
    messages.success(request, _("%(count)s result(s) matched.") % {"count": changed})
    return redirect("labfeed:pending")


@permission_required("labfeed.view_labcodemapping", raise_exception=True)
def mapping_list(request: HttpRequest) -> HttpResponse:
    return render(request, "labfeed/mappings.html", {"mappings": selectors.mappings()})


def _mapping_form(request: HttpRequest, mapping: LabCodeMapping) -> HttpResponse:
    form = MappingForm(request.POST or None, instance=mapping)
    stale = None
    if request.method == "POST" and form.is_valid():
        outcome = save_form(
            form,
            lambda: services.mapping_save(
                mapping=form.instance,
                user=request.user,
                expected_version=form.cleaned_data.get("version"),
            ),
        )
        if outcome.saved:
            messages.success(request, _("Mapping saved."))
            return redirect("labfeed:mappings")
        stale = outcome.conflict
    title = _("Change a mapping") if mapping.pk else _("New mapping")
    return render(request, "labfeed/form.html", {"form": form, "stale": stale, "title": title})


@permission_required("labfeed.add_labcodemapping", raise_exception=True)
def mapping_add(request: HttpRequest) -> HttpResponse:
    return _mapping_form(request, LabCodeMapping())


@permission_required("labfeed.change_labcodemapping", raise_exception=True)
def mapping_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _mapping_form(request, get_object_or_404(LabCodeMapping, pk=pk))


@permission_required("labfeed.view_sender", raise_exception=True)
def sender_list(request: HttpRequest) -> HttpResponse:
    context = {"senders": selectors.senders(), "form": SenderForm()}
    return render(request, "labfeed/senders.html", context)


@never_cache  # the token is shown once: no copy in a cache
def _token_page(request: HttpRequest, sender: Sender, token: str) -> HttpResponse:
    return render(request, "labfeed/token.html", {"sender": sender, "token": token})


@require_POST
@permission_required("labfeed.add_sender", raise_exception=True)
def sender_add(request: HttpRequest) -> HttpResponse:
    form = SenderForm(request.POST)
    if form.is_valid():
        outcome = save_form(
            form,
            lambda: services.sender_token_issue(name=form.cleaned_data["name"], user=request.user),
        )
        if outcome.saved:
            return _token_page(request, *outcome.value)
    context = {"senders": selectors.senders(), "form": form}
    return render(request, "labfeed/senders.html", context, status=400)


@require_POST
@permission_required("labfeed.change_sender", raise_exception=True)
def sender_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    sender = get_object_or_404(Sender, pk=pk)
    services.sender_deactivate(sender=sender, user=request.user)
    messages.success(request, _("Sender deactivated: its token no longer works."))
    return redirect("labfeed:senders")


@require_POST
@permission_required("labfeed.change_sender", raise_exception=True)
def sender_token(request: HttpRequest, pk: int) -> HttpResponse:
    """A new token for the sender (the old one stops working at once)."""
    sender = get_object_or_404(Sender, pk=pk)
    return _token_page(request, *services.sender_token_issue(name=sender.name, user=request.user))
