"""Payment-page sessions live in the store: a second simulator process on the same
database (a second gunicorn worker) knows the citizen logged in on the first."""

from __future__ import annotations

import sqlite3

from oeir.identifiers import mask_cpr
from simulators import SimConfig, create_app, simulator_of
from tests.simulators.sim_time.conftest import World
from tests.simulators.sim_time.helpers import CPR, login, opret, tenant_for
from wsgiserve import ServerThread


def test_a_session_opened_on_one_worker_is_known_and_ended_on_another(world: World) -> None:
    tenant = tenant_for(world.sim, "opus")
    opret(world, tenant, "F-SESSION-1", 12_500)
    browser = login(world, tenant)  # on the first worker

    other = create_app(SimConfig(database=world.sim.config.database_path, clock=world.sim.clock))
    server = ServerThread(other).start()
    try:
        second = f"{server.base_url}/betaling/{tenant.kode}"
        page = browser.get(f"{second}/oversigt", timeout=10)
        assert page.status_code == 200
        assert mask_cpr(CPR) in page.text and "F-SESSION-1" in page.text

        browser.post(f"{second}/logud", timeout=10)
        first = world.http.get(
            f"{world.base_url}/betaling/{tenant.kode}/oversigt",
            cookies={"betaling_session": "not-a-token"},
            timeout=10,
        )
        assert 'name="cpr"' in first.text  # an unknown token is no session
    finally:
        server.stop()
        simulator_of(other).close()
    with sqlite3.connect(world.sim.config.database_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM payment_sessions").fetchone()[0] == 0


def test_the_cookie_token_is_not_stored_in_clear(world: World) -> None:
    tenant = tenant_for(world.sim, "opus")
    browser = login(world, tenant)
    token = next(c.value for c in browser.cookies if c.name == "betaling_session")
    with sqlite3.connect(world.sim.config.database_path) as conn:
        rows = conn.execute("SELECT * FROM payment_sessions").fetchall()
    assert len(rows) == 1
    assert token not in repr(rows)
