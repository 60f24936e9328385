"""Benchmarks of the test bed: `python -m load.bench` writes the table of `make bench`.

Each benchmark is a module run with ``python -m load.bench.NAME`` (`core`, `latency`,
`sim_time`, `dashboard`, `profile_sim`, `tune`); `table` runs them together, and
`ceiling` and `fault_injection` are the minimal apps that measure the machine's limit.
"""
