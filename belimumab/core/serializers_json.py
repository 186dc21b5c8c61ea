"""Django's JSON serialiser, keeping microseconds (Django's encoder truncates to milliseconds).

Registered as the "json" format (SERIALIZATION_MODULES) so that `backup` / `restore` round-trip
every audit timestamp exactly.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class Serializer(django_json.Serializer):
    # Django's hook for the json.dumps options, absent from django-stubs
    def _init_options(self) -> None:
        super()._init_options()  # type: ignore[misc]
        self.json_kwargs["cls"] = ExactJSONEncoder


Deserializer = django_json.Deserializer
