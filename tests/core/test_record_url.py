"""`{% record_url %}` gives exactly the URL `{% url %}` gives, reversing once per page."""

from __future__ import annotations

from unittest import mock

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import NoReverseMatch, resolve

from belimumab.core.templatetags import belimumab as tags

LINKS = [
    ("'clinical:visit_detail'", [1, 7, 42, 918273645, 10**12]),
    ("'clinical:visit_update'", [3, 30]),
    ("'clinical:history' 'lab'", [5, 55]),
    ("'clinical:record_deactivate' 'adverse_event'", [8, 88]),
]


def _render(source: str, **context) -> str:
    request = RequestFactory().get("/clinical/patients/1/timeline/")
    request.resolver_match = resolve(request.path)
    template = Template("{% load belimumab %}" + source)
    return template.render(Context({"request": request, **context}))


@pytest.mark.parametrize(("name", "pks"), LINKS)
def test_same_urls_as_the_url_tag(name, pks):
    loop = "{% for pk in pks %}[{% TAG " + name + " pk %}]{% endfor %}"
    expected = _render(loop.replace("TAG", "url"), pks=pks)
    assert _render(loop.replace("TAG", "record_url"), pks=pks) == expected
    assert expected.count("[/") == len(pks)


def test_reverses_once_per_page_and_name():
    with mock.patch.object(tags, "reverse", wraps=tags.reverse) as reverse:
        html = _render(
            "{% for pk in pks %}{% record_url 'clinical:lab_update' pk %} "
            "{% record_url 'clinical:history' 'lab' pk %} {% endfor %}",
            pks=range(1, 51),
        )
    assert reverse.call_count == 2
    assert "/labs/50/edit/" in html and "/history/lab/50/" in html


def test_anything_but_a_pk_is_reversed_as_url_does():
    assert _render("{% record_url 'clinical:visit_detail' '12' %}") == _render(
        "{% url 'clinical:visit_detail' '12' %}"
    )
    with pytest.raises(NoReverseMatch):
        _render("{% record_url 'clinical:visit_detail' -1 %}")
    with pytest.raises(NoReverseMatch):
        _render("{% record_url 'clinical:visit_detail' None %}")
