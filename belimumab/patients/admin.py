"""Administrators edit reference data here; clinical records are never edited nor deleted in the
admin (they have their own audited pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from belimumab.patients.models import Regimen


@admin.register(Regimen)
class RegimenAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "route", "mg_per_kg", "fixed_dose_mg", "interval_days")
    readonly_fields = ("code",)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # courses refer to regimens; a regimen is never removed
