import functools
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import template
from django.db import models
from django.urls import reverse
from django.utils import formats, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from belimumab.core import labels, plausibility

register = template.Library()

_DECIMAL_POINT = re.compile(r"(\d)\.(\d)")


@register.filter
def cycle(code: str) -> str:
    """{{ status.cycle_label|cycle }}: the domain's D0/C4/W1 in the user's language."""
    return labels.cycle_label(str(code))


def current_app(request: Any) -> str | None:
    """The namespace `{% url %}` reverses in for this request (same lookup)."""
    try:
        return request.current_app
    except AttributeError:
        try:
            return request.resolver_match.namespace
        except AttributeError:
            return None


def _current_app(context: template.Context) -> str | None:
    return current_app(getattr(context, "request", None))


_PK_MARK = 918273645  # stands for the record's pk in the URL reversed once per page


def pk_url(name: str, *fixed: object, current_app: str | None = None) -> Callable[[int], str]:
    """`pk_url(name, *fixed)(pk)` is `reverse(name, args=[*fixed, pk])`, reversing only once:
    for views that build many links to records (an integer pk >= 0; others are reversed)."""
    url = reverse(name, args=[*fixed, _PK_MARK], current_app=current_app)
    parts = url.split(str(_PK_MARK))

    def link(pk: int) -> str:
        if len(parts) != 2 or type(pk) is not int or pk < 0:
            return reverse(name, args=[*fixed, pk], current_app=current_app)
        return f"{parts[0]}{pk}{parts[1]}"

    return link


@register.simple_tag(takes_context=True)
def record_url(context: template.Context, name: str, *args: object) -> str:
    """`{% record_url 'clinical:visit_update' v.pk %}`: the same URL as `{% url %}`, for pages
    linking to many records (the last argument an integer pk). Each name is reversed once per
    page and the pk put in place: a `{% url %}` costs ~50 µs, and the patient timeline has
    ~250 links (about a third of its rendering)."""
    *fixed, pk = args
    app = _current_app(context)
    if type(pk) is not int or pk < 0:
        return reverse(name, args=args, current_app=app)
    # django-stubs types RenderContext for the template loaders' own keys only
    render_context: Any = context.render_context
    cache: dict[tuple[object, ...], Callable[[int], str]] = render_context.setdefault(
        "record_url", {}
    )
    key = (name, app, *fixed)
    if key not in cache:
        cache[key] = pk_url(name, *fixed, current_app=app)
    return cache[key](pk)


@functools.cache
def _choice_labels(model: type[models.Model], name: str, language: str | None) -> dict[Any, str]:
    field = model._meta.get_field(name)
    with translation.override(language):
        return {value: str(label) for value, label in field.flatchoices}  # type: ignore[union-attr]


@register.filter
def display(record: models.Model, name: str) -> Any:
    """{{ lab|display:"test" }}: `lab.get_test_display()`, with each field's labels translated
    once per language and process. Django's method rebuilds and translates every choice of the
    field at each call: 8 translations per lab row, a few hundred on a long timeline."""
    value = getattr(record, name)
    return _choice_labels(type(record), name, translation.get_language()).get(value, value)


@register.simple_tag
def tristate(value: bool | None) -> SafeString:
    """{% tristate row.lldas %}: a yes badge, a no badge, or a dash for "not enough data" (a
    tag rather than an included template: three per visit row of a timeline)."""
    if value is True:
        return format_html('<span class="badge text-bg-success">{}</span>', gettext("yes"))
    if value is False:
        return format_html('<span class="badge text-bg-light border">{}</span>', gettext("no"))
    return format_html(
        '<span class="text-body-secondary" title="{}">—</span>', gettext("Not enough data")
    )


@register.filter
def unit(value: str) -> str:
    """{{ lab.unit|unit }}: a stored unit in the user's language (mg/day -> mg/j)."""
    return labels.unit_label(str(value))


@register.filter
def decimal_text(value: str) -> str:
    """{{ message_text|decimal_text }}: a decimal point between digits in a text that came from
    elsewhere (a laboratory's "0.90-1.80") written as the user's language writes it (0,90-1,80)."""
    separator = formats.get_format("DECIMAL_SEPARATOR")
    return _DECIMAL_POINT.sub(rf"\g<1>{separator}\g<2>", str(value)) if separator != "." else value


@register.filter
def term(value: str) -> str:
    """{{ ae.term|term }}: a known adverse-event term in the user's language."""
    return labels.term_label(str(value))


@register.inclusion_tag("core/_plausibility.html")
def plausibility_asks(field: Any) -> dict[str, Any]:
    """Beside a field: an "I confirm this value" box for each usual limit it exceeds, a button
    setting the converted value for a C3/C4 typed in mg/dL (core.plausibility)."""
    form = field.form
    ticked = set(form["confirmed"].value() or []) if "confirmed" in form.fields else set()
    name = form.add_prefix("confirmed")
    items = []
    for kind, value in plausibility.asked(form, field.name):
        if kind == "confirm":
            items.append({"kind": kind, "check": value, "checked": value in ticked, "name": name})
        else:
            shown = formats.number_format(Decimal(value))
            items.append({"kind": kind, "value": shown, "target": field.auto_id})
    return {"items": items}


@register.inclusion_tag("core/_plausibility_kept.html")
def plausibility_kept(form: Any) -> dict[str, Any]:
    """The confirmations already ticked whose box is not shown again (the page came back for
    another field's error): kept as hidden values so that they are not lost."""
    if "confirmed" not in form.fields:
        return {"kept": []}
    shown = {value for name in form.fields for _kind, value in plausibility.asked(form, name)}
    kept = [c for c in form["confirmed"].value() or [] if c not in shown]
    return {"kept": kept, "name": form.add_prefix("confirmed")}
