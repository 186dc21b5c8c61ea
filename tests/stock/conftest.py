from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages read in English outside requests (the site's default language is French)."""
    with translation.override("en-gb"):
        yield


@pytest.fixture
def english(client_for):
    """A logged-in client reading the pages in English."""

    def make(role):
        client = client_for(role)
        client.cookies["django_language"] = "en"
        return client

    return make
