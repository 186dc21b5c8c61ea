"""The figure data block: the same text as Django's `json_script`, nothing executable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.html import json_script
from hypothesis import given
from hypothesis import strategies as st

from belimumab.core.charts import _json_script, figure_html

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.sampled_from("<>&/'\"\\ aé\u2028</script>")),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(_values)
def test_data_block_is_djangos_json_script(value):
    assert _json_script(value, "fig-data") == json_script(value, "fig-data")


def test_data_block_escapes_a_closing_script_tag():
    block = _json_script({"label": "</script><script>alert(1)</script> & co"}, "x")
    assert block.count("</script>") == 1
    assert "\\u003C/script\\u003E" in block and "\\u0026 co" in block


def test_data_block_encodes_dates_and_decimals_as_django_does():
    value = {"day": date(2026, 11, 26), "dose": Decimal("10.5")}
    assert _json_script(value, "x") == json_script(value, "x")


def test_figure_html_points_the_element_at_its_data_block():
    html = figure_html({"data": [], "layout": {}}, height=300)
    data_id = html.split('<script id="', 1)[1].split('"', 1)[0]
    assert f'data-source="{data_id}"' in html
    assert "height:300px" in html
