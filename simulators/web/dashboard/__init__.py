"""The test bed's dashboard: server-rendered HTML (Danish) at ``/``, for people who sign off.

One module per page (all read through the simulator's domain and store layer; CPR masked):
- `overview`        ``/``: the clock (advance +1 time, +1 dag, to the next nightly run),
                    counts, links to the core;
- `municipalities`  ``/kommuner``: the 98 municipalities, searchable, with key profile
                    values; ``/kommuner/<kode>``: one municipality's totals, accounts or
                    claims (keyset-paged), pending callbacks and the next run, its faults;
- `claims`          ``/kommuner/<kode>/fordringer/<id>``: a claim, its timeline as inline
                    SVG (`svg`) and its event log;
- `journal`         ``/journal``, ``/journal/<id>``: the SOAP journal, filterable; one
                    message pretty-printed with each validation error on its line (`message`);
- `faults`          ``/fejl``: set and clear injected faults and maintenance windows;
- `citizen`         ``/borger``: the citizen's view: payment page, or how to pay without one.
`base` holds the blueprint, its guard and the page frame; `formatting` the Danish filters.
Every change is a POST form that redirects (no JavaScript needed). Access follows the admin
API: loopback callers only, or HTTP Basic with the admin token as password when one is set
(`simulators.web.guard`).
"""

from simulators.web.dashboard import citizen, claims, faults, journal, municipalities, overview
from simulators.web.dashboard.base import bp
from simulators.web.dashboard.formatting import masked_output

__all__ = [
    "bp",
    "citizen",
    "claims",
    "faults",
    "journal",
    "masked_output",
    "municipalities",
    "overview",
]
