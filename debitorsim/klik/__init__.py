"""The KLIK go-live scenarios: a pytest-bdd suite that `debitorsim scenarios` runs.

Shipped with the package, so an installed debitorsim (not only a source checkout) runs
it: the feature files (Danish Gherkin) are package data in ``features/`` (the source
checkout's top-level ``features`` points here), the step definitions are the modules
beside them, and ``conftest.py`` holds the suite's fixtures and report hooks.
``pytest`` in a source checkout collects the suite too (``testpaths`` in pyproject.toml).
"""
