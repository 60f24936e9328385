"""Access control: Serviceplatformen agreements, invisible neighbours, callback secrets, admin tokens."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from debitorsim import cli
from integration.config import CoreConfig, MunicipalityRules
from integration.web.app import create_app as create_core
from integration.web.auth import SECRET_HEADER
from oeir import kommuner, model, soap
from oeir.faults import OeirFault
from oeir.services import (
    DAEKNING_AFSKRIVNING,
    DEBITOR_FORESPOERGSEL,
    DEBITOR_INDBETALING,
    DEBITOR_REGISTRERING,
)
from simulators import SimConfig, create_app, simulator_of
from tests.conftest import HttpSim
from tests.corpus.hostile import valid_envelope
from tests.simulators.helpers import CPR, header, opret

CALLBACK_ACTION = DAEKNING_AFSKRIVNING.operations["RegistrerDaekningAfskrivning"].soap_action


def refused(http_sim: HttpSim, service: Any, body: bytes, answer: type) -> OeirFault:
    """The SOAP Fault a call gets (fails when it is accepted)."""
    r = http_sim.post(service, body)
    with pytest.raises(OeirFault) as err:
        soap.read_response(r.content, answer)
    return err.value


# -- the simulator: Serviceplatformen -----------------------------------------------------


def test_agreement_and_calling_system_must_be_registered_for_the_municipality(
    http_sim: HttpSim,
) -> None:
    before = http_sim.sim.stats()["claims"]
    for field, value in (
        ("service_agreement_uuid", kommuner.by_kode()["147"].service_agreement_uuid),
        ("service_agreement_uuid", "00000000-0000-4000-8000-000000000000"),
        ("user_system_uuid", "00000000-0000-4000-8000-000000000bad"),
    ):
        h = header("101", DEBITOR_REGISTRERING)
        h = replace(h, invocation_context=replace(h.invocation_context, **{field: value}))
        msg = soap.read_request(opret("101", "ACC-1"), DEBITOR_REGISTRERING).message
        fault = refused(
            http_sim,
            DEBITOR_REGISTRERING,
            soap.request_envelope(msg, h),
            model.OpretFordringSvar,
        )
        assert fault.kode == "IngenServiceaftale", field
    assert http_sim.sim.stats()["claims"] == before


def test_other_municipalities_accounts_are_invisible(http_sim: HttpSim) -> None:
    r = http_sim.post(DEBITOR_REGISTRERING, opret("101", "ACC-VIS-1", cpr=CPR))
    konto = soap.read_response(r.content, model.OpretFordringSvar).debitorkontonummer
    own = model.HentDebitorkonto(kommunekode="101", debitorkontonummer=konto)
    svar = soap.read_response(
        http_sim.post(
            DEBITOR_FORESPOERGSEL,
            soap.request_envelope(own, header("101", DEBITOR_FORESPOERGSEL)),
        ).content,
        model.HentDebitorkontoSvar,
    )
    assert svar.debitorkonto.debitorkontonummer == konto
    # København's account asked for by Frederiksberg: by number, by debtor, by listing.
    for msg in (
        model.HentDebitorkonto(kommunekode="147", debitorkontonummer=konto),
        model.HentDebitorkonto(kommunekode="147", debitor=model.Debitor(cpr_nummer=CPR)),
    ):
        fault = refused(
            http_sim,
            DEBITOR_FORESPOERGSEL,
            soap.request_envelope(msg, header("147", DEBITOR_FORESPOERGSEL)),
            model.HentDebitorkontoSvar,
        )
        assert fault.kode == "DebitorkontoFindesIkke"
    listing = soap.read_response(
        http_sim.post(
            DEBITOR_FORESPOERGSEL,
            soap.request_envelope(
                model.SoegDebitorkonti(kommunekode="147"), header("147", DEBITOR_FORESPOERGSEL)
            ),
        ).content,
        model.SoegDebitorkontiSvar,
    )
    assert konto not in {k.debitorkontonummer for k in listing.debitorkonti}
    payable = soap.read_response(
        http_sim.post(
            DEBITOR_INDBETALING,
            soap.request_envelope(
                model.SoegDelfordringTilIndbetaling(
                    kommunekode="147", debitor=model.Debitor(cpr_nummer=CPR)
                ),
                header("147", DEBITOR_INDBETALING),
            ),
        ).content,
        model.SoegDelfordringTilIndbetalingSvar,
    )
    assert payable.delfordringer == ()
    # ... and Frederiksberg naming København inside its own call is refused outright.
    fault = refused(
        http_sim,
        DEBITOR_FORESPOERGSEL,
        soap.request_envelope(
            model.HentDebitorkonto(kommunekode="101", debitorkontonummer=konto),
            header("147", DEBITOR_FORESPOERGSEL),
        ),
        model.HentDebitorkontoSvar,
    )
    assert fault.kode == "AdgangNaegtet"


# -- admin tokens --------------------------------------------------------------------------


def test_simulator_refuses_to_start_beyond_loopback_without_a_token(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="admin_token"):
        create_app(SimConfig(data_dir=tmp_path, bind_host="0.0.0.0"))
    app = create_app(SimConfig(data_dir=tmp_path, bind_host="0.0.0.0", admin_token="s3cret"))
    try:
        client = app.test_client()
        for path in ("/admin/stats", "/admin/faults", "/admin/callbacks"):
            assert client.get(path).status_code == 401, path
            assert "error" in client.get(path).get_json()
            ok = client.get(path, headers={"Authorization": "Bearer s3cret"})
            assert ok.status_code == 200, path
        wrong = client.post(
            "/admin/faults", json={"kind": "http_500"}, headers={"Authorization": "Bearer x"}
        )
        assert wrong.status_code == 401
        assert simulator_of(app).faults.rules() == []
    finally:
        simulator_of(app).close()


def test_simulator_admin_answers_loopback_only_without_a_token(tmp_path: Path) -> None:
    app = create_app(SimConfig(data_dir=tmp_path))
    try:
        far = app.test_client()
        far.environ_base["REMOTE_ADDR"] = "10.1.2.3"
        for path in ("/admin/stats", "/admin/faults"):
            assert far.get(path).status_code == 403, path
        assert app.test_client().get("/admin/faults").status_code == 200
    finally:
        simulator_of(app).close()


def test_core_refuses_to_start_beyond_loopback_without_a_token(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="admin_token"):
        create_core(CoreConfig(db_path=str(tmp_path / "c.db"), bind_host="0.0.0.0"))
    app = create_core(
        CoreConfig(db_path=str(tmp_path / "c.db"), bind_host="0.0.0.0", admin_token="t0k")
    )
    client = app.test_client()
    r = client.get("/harness/outbox")
    assert r.status_code == 401 and r.get_json()["message"]
    assert client.get("/harness/outbox", headers={"Authorization": "Bearer t0k"}).status_code == 200
    far = app.test_client()
    far.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    loopback_only = create_core(CoreConfig(db_path=str(tmp_path / "d.db"))).test_client()
    loopback_only.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert loopback_only.get("/harness/outbox").status_code == 403


def test_core_cli_refuses_a_public_address_without_a_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["core", "--host", "0.0.0.0", "--port", "0", "--data-dir", str(tmp_path)])
    assert code == 2
    assert "admin-token" in capsys.readouterr().err


# -- the core's callback receiver --------------------------------------------------------


def _callback(client: Any, secret: str | None = None, remote: str = "127.0.0.1") -> Any:
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": CALLBACK_ACTION}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return client.post(
        DAEKNING_AFSKRIVNING.path,
        data=valid_envelope(DAEKNING_AFSKRIVNING),
        headers=headers,
        environ_base={"REMOTE_ADDR": remote},
    )


def _kode(response: Any) -> str | None:
    try:
        soap.read_response(response.data, model.RegistrerDaekningAfskrivningSvar)
    except OeirFault as fault:
        return fault.kode
    return None


def test_callbacks_without_a_configured_secret_come_from_loopback_only(tmp_path: Path) -> None:
    client = create_core(CoreConfig(db_path=str(tmp_path / "c.db"))).test_client()
    assert _callback(client).status_code == 200
    far = _callback(client, remote="10.9.8.7")
    assert (far.status_code, _kode(far)) == (401, "AdgangNaegtet")


def test_callbacks_need_the_global_secret(tmp_path: Path) -> None:
    config = CoreConfig(db_path=str(tmp_path / "c.db"), callback_secret="global-s")
    client = create_core(config).test_client()
    for secret in (None, "", "wrong"):
        r = _callback(client, secret)
        assert (r.status_code, _kode(r)) == (401, "AdgangNaegtet"), secret
    assert _callback(client, "global-s", remote="10.9.8.7").status_code == 200


def test_callbacks_need_their_own_municipalitys_secret(tmp_path: Path) -> None:
    config = CoreConfig(
        db_path=str(tmp_path / "c.db"),
        municipalities={
            "101": MunicipalityRules(callback_secret="kbh-s"),
            "147": MunicipalityRules(callback_secret="frb-s"),
        },
    )
    client = create_core(config).test_client()
    other = _callback(client, "frb-s")  # a valid secret, but Frederiksberg's
    assert (other.status_code, _kode(other)) == (500, "AdgangNaegtet")
    assert _callback(client, "kbh-s").status_code == 200


def _callback_outcome(tmp_path: Path, sent_secret: str | None) -> dict[str, Any]:
    """A simulator's nightly callback to a core that wants secret "s3"; the attempt."""
    from simulators.clock import VirtualClock
    from tests.simulators.conftest import tenant_for
    from tests.simulators.sim_time.conftest import at
    from wsgiserve import ServerThread

    tmp_path.mkdir(parents=True, exist_ok=True)
    core_app = create_core(CoreConfig(db_path=str(tmp_path / "core.db"), callback_secret="s3"))
    with ServerThread(core_app) as core:
        clock = VirtualClock()
        config = SimConfig(
            data_dir=tmp_path, clock=clock, synchronous="OFF", callback_secret=sent_secret
        )
        app = create_app(config)
        sim = simulator_of(app)
        try:
            kode = tenant_for(sim, "opus").kode
            sim.tenants.patch(kode, {"callback_url": core.base_url + DAEKNING_AFSKRIVNING.path})
            client = app.test_client()
            r = client.post(DEBITOR_REGISTRERING.path, data=opret(kode, "SECRET-1"))
            assert r.status_code == 200, r.data[:500]
            sim.ledger.daekning(kode, "SECRET-1", 1_000, model.Betalingsmiddel.KORT)
            sim.set_time(at(2026, 1, 6, 3, 0))  # past the nightly run
            attempts = client.get(f"/admin/callbacks/attempts?kommunekode={kode}").get_json()
        finally:
            sim.close()
    found: dict[str, Any] = attempts["attempts"][-1]
    return found


def test_simulator_callbacks_carry_the_secret_the_core_wants(tmp_path: Path) -> None:
    let_in = _callback_outcome(tmp_path / "a", "s3")
    # Past the secret, the core read the batch: the claim is not one of its fees.
    assert (let_in["outcome"], let_in["fejlkode"]) == ("soap_fault", "FordringFindesIkke"), let_in
    refused = _callback_outcome(tmp_path / "b", None)
    assert (refused["outcome"], refused["fejlkode"]) == ("soap_fault", "AdgangNaegtet"), refused
