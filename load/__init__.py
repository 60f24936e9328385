"""Load suites (Locust), the pass/fail gate and the benchmarks of the test bed.

Three parts, as Locust keeps its examples and benchmarks apart:

* `load.profiles`: the Locust files (`smoke`, `national`, `stress`), their user classes,
  the municipality weights and the pass/fail gate (its limits: `load/thresholds.toml`);
* `load.bench`: the benchmarks (`python -m load.bench` writes the table of `make bench`);
* `load.support`: what both use: the test bed and processes under gunicorn, the traffic.

Importing this package does not import Locust: only the profile files do. Nothing here
imports `debitorsim`; the servers it starts run `debitorsim.wsgi` in their own processes.
"""
