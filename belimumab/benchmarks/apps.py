from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """`manage.py bench` (`make bench`): timings of the main pages on generated cohorts."""

    name = "belimumab.benchmarks"
