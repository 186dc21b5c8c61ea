from django import template

from belimumab.core import labels

register = template.Library()


@register.filter
def cycle(code: str) -> str:
    """{{ status.cycle_label|cycle }}: the domain's D0/C4/W1 in the user's language."""
    return labels.cycle_label(str(code))
