"""TLS with client certificates (docs/tls.md): the handshake, the binding of a certificate to
its user system, the clients that present theirs, WSDL addresses, and a proxy in front."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

from debitorsim.certs import clients, make
from debitorsim.cli import main
from debitorsim.testbed import Testbed, TestbedConfig
from integration.client import DebtorClient, TechnicalFault
from integration.config import CoreConfig
from oeir import certs, kommuner, model, soap
from oeir.certs import CertDir
from oeir.services import DAEKNING_AFSKRIVNING, DEBITOR_FORESPOERGSEL
from simulators.callbacks.client import debtor_system_uuid
from simulators.config import SimConfig

KODE = "147"  # a municipality on Opus in the shipped registry


@pytest.fixture(scope="module")
def cert_dir(tmp_path_factory: pytest.TempPathFactory) -> CertDir:
    """A fresh set of test certificates."""
    out = tmp_path_factory.mktemp("certs")
    make(out)
    return CertDir(out)


@pytest.fixture(scope="module")
def bed(cert_dir: CertDir, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Testbed]:
    """The whole test bed over TLS."""
    config = TestbedConfig(
        data_dir=tmp_path_factory.mktemp("tlsbed"), tls=cert_dir, synchronous="OFF"
    )
    with Testbed(config) as running:
        yield running


def _hent(kode: str, user_system: str = kommuner.FBS_USER_SYSTEM_UUID) -> bytes:
    """A HentDebitorkonto request for `kode`, naming `user_system` in its InvocationContext."""
    kommune = kommuner.by_kode()[kode]
    header = model.SpHeader(
        invocation_context=model.InvocationContext(
            service_agreement_uuid=kommune.service_agreement_uuid,
            user_system_uuid=user_system,
            user_uuid=str(uuid.uuid4()),
            service_uuid=kommuner.service_uuid(DEBITOR_FORESPOERGSEL.name),
            callers_service_call_identifier=str(uuid.uuid4()),
        ),
        authority_context=model.AuthorityContext(municipality_cvr=kommune.cvr),
    )
    return soap.request_envelope(
        model.HentDebitorkonto(kommunekode=KODE, debitorkontonummer="1"), header
    )


def _post_hent(bed: Testbed, session: requests.Session, body: bytes) -> requests.Response:
    op = DEBITOR_FORESPOERGSEL.operations["HentDebitorkonto"]
    return session.post(
        f"{bed.sim_url}{DEBITOR_FORESPOERGSEL.path}",
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{op.soap_action}"'},
        timeout=10,
    )


def _fault(resp: requests.Response) -> Any:
    with pytest.raises(Exception) as caught:
        soap.read_response(resp.content, model.HentDebitorkontoSvar)
    return caught.value


def test_a_call_without_a_client_certificate_fails_the_handshake(
    bed: Testbed, cert_dir: CertDir
) -> None:
    journal_before = bed.session().get(f"{bed.sim_url}/admin/journal", timeout=10).json()
    with pytest.raises(requests.exceptions.SSLError):
        requests.post(
            f"{bed.sim_url}{DEBITOR_FORESPOERGSEL.path}",
            data=_hent(KODE),
            verify=str(cert_dir.ca),
            timeout=10,
        )
    journal_after = bed.session().get(f"{bed.sim_url}/admin/journal", timeout=10).json()
    assert journal_after == journal_before  # nothing reached the service


def test_a_certificate_from_another_ca_fails_the_handshake(
    bed: Testbed, cert_dir: CertDir, tmp_path: Path
) -> None:
    make(tmp_path)
    foreign = CertDir(tmp_path).requests_options("fbs")
    with pytest.raises(requests.exceptions.SSLError):
        requests.post(
            f"{bed.sim_url}{DEBITOR_FORESPOERGSEL.path}",
            data=_hent(KODE),
            cert=foreign["cert"],
            verify=str(cert_dir.ca),
            timeout=10,
        )


@pytest.mark.parametrize("identity", ["opus", "tester"])
def test_another_systems_certificate_gets_serviceplatformens_refusal(
    bed: Testbed, identity: str
) -> None:
    resp = _post_hent(bed, bed.session(identity), _hent(KODE))
    fault = _fault(resp)
    assert resp.status_code == 500
    assert fault.kode == "ForkertCertifikat"
    assert fault.felt == "InvocationContext/UserSystemUUID"
    assert "Certifikatet tilhører ikke anvendersystemet" in fault.tekst_da
    assert "does not belong to the user system" in fault.tekst_en


def test_the_right_certificate_for_another_user_system_in_the_header_is_refused(
    bed: Testbed,
) -> None:
    """FBS's certificate cannot call as a debtor system: the header must name its own system."""
    resp = _post_hent(bed, bed.session("fbs"), _hent(KODE, user_system=debtor_system_uuid("eg")))
    assert _fault(resp).kode == "ForkertCertifikat"


def test_the_right_certificate_succeeds(bed: Testbed) -> None:
    resp = _post_hent(bed, bed.session("fbs"), _hent(KODE))
    # Past the certificate and the agreement: the ledger answers (no such account).
    assert _fault(resp).kode == "DebitorkontoFindesIkke"


def test_a_fee_goes_out_and_its_payment_comes_back_over_tls(bed: Testbed) -> None:
    """The core presents FBS's certificate; the callback comes with Opus's (both verified)."""
    http = bed.session()
    fee = http.post(
        f"{bed.core_url}/harness/fees",
        json={
            "agencyId": f"DK-7{KODE}00",
            "type": "fee",
            "reasonMessage": "Gebyr (for sent)",
            "amount": 30,
            "patron": {"cpr": "0101901234", "name": "Jens Hansen"},
        },
        timeout=10,
    ).json()
    result = bed.drain()
    assert (result.sent, result.errors) == (1, [])
    slip = http.post(
        f"{bed.sim_url}/admin/indbetalingskort",
        json={
            "kommunekode": KODE,
            "fordring_id": fee["fordringId"],
            "beloeb": 3000,
            "indbetaling_id": "SLIP-TLS-1",
        },
        timeout=10,
    )
    assert slip.status_code < 300, slip.text
    http.post(f"{bed.sim_url}/admin/clock", json={"advance": "P3D"}, timeout=10)
    detail = http.get(f"{bed.core_url}/harness/fees/{fee['feeId']}", timeout=10).json()
    assert (detail["paid"], detail["remaining"]) == (30.0, 0.0)
    assert detail["paidDate"] is not None


def test_the_callback_receiver_binds_the_certificate_to_the_sender(bed: Testbed) -> None:
    kommune = kommuner.by_kode()[KODE]
    header = model.SpHeader(
        invocation_context=model.InvocationContext(
            service_agreement_uuid=kommune.service_agreement_uuid,
            user_system_uuid=debtor_system_uuid("opus"),
            user_uuid=str(uuid.uuid4()),
            service_uuid=kommuner.service_uuid(DAEKNING_AFSKRIVNING.name),
            callers_service_call_identifier=str(uuid.uuid4()),
        ),
        authority_context=model.AuthorityContext(municipality_cvr=kommune.cvr),
    )
    event = model.Haendelse(
        haendelse_id=str(uuid.uuid4()),
        tidspunkt=datetime(2026, 1, 6, 4, 0, tzinfo=UTC),
        kreditor=model.Kreditor(agency_id=f"DK-7{KODE}00", kommunekode=KODE),
        debitorkontonummer="1",
        fordring_id="FBS-unknown",
        daekning=model.Daekning(
            beloeb=100, betalingsdato=date(2026, 1, 5), betalingsmiddel=model.Betalingsmiddel.KORT
        ),
    )
    body = soap.request_envelope(model.RegistrerDaekningAfskrivning(haendelser=(event,)), header)
    op = DAEKNING_AFSKRIVNING.operations["RegistrerDaekningAfskrivning"]
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{op.soap_action}"'}

    def send(identity: str) -> str | None:
        resp = bed.session(identity).post(bed.callback_url, data=body, headers=headers, timeout=10)
        try:
            soap.read_response(resp.content, model.RegistrerDaekningAfskrivningSvar)
        except Exception as exc:
            return getattr(exc, "kode", type(exc).__name__)
        return None

    assert send("eg") == "ForkertCertifikat"
    assert send("fbs") == "ForkertCertifikat"
    assert send("opus") == "FordringFindesIkke"  # past the certificate: the claim is unknown


def test_the_served_wsdl_gives_an_https_address(bed: Testbed) -> None:
    wsdl = bed.session().get(f"{bed.sim_url}{DEBITOR_FORESPOERGSEL.path}?wsdl", timeout=10)
    assert f'location="{bed.sim_url}{DEBITOR_FORESPOERGSEL.path}"' in wsdl.text
    assert bed.sim_url.startswith("https://")


def test_the_core_verifies_the_server_against_the_test_ca(
    bed: Testbed, tmp_path: Path, cert_dir: CertDir
) -> None:
    """A server whose certificate another CA signed is not Serviceplatformen: no call."""
    make(tmp_path)
    other_ca = CertDir(tmp_path)
    client = DebtorClient(CoreConfig(sp_url=bed.sim_url, tls=other_ca))
    with pytest.raises(TechnicalFault, match="SSL"):
        client.call(
            KODE,
            model.HentDebitorkonto(kommunekode=KODE, debitorkontonummer="1"),
            str(uuid.uuid4()),
        )
    right = DebtorClient(CoreConfig(sp_url=bed.sim_url, tls=cert_dir))
    with pytest.raises(Exception) as caught:
        right.call(
            KODE,
            model.HentDebitorkonto(kommunekode=KODE, debitorkontonummer="1"),
            str(uuid.uuid4()),
        )
    assert getattr(caught.value, "kode", None) == "DebitorkontoFindesIkke"


def test_a_silent_connection_holds_no_other_client_back(bed: Testbed) -> None:
    """The handshake runs in the connection's thread: one that sends nothing blocks nobody."""
    port = int(bed.sim_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)):
        resp = bed.session().get(f"{bed.sim_url}/admin/clock", timeout=5)
    assert resp.status_code == 200


def test_without_tls_nothing_changes(tmp_path: Path) -> None:
    """The plain test bed asks for no certificate and serves http."""
    with Testbed(TestbedConfig(data_dir=tmp_path, synchronous="OFF")) as plain:
        assert plain.sim_url.startswith("http://")
        resp = _post_hent(plain, requests.Session(), _hent(KODE))
        assert _fault(resp).kode == "DebitorkontoFindesIkke"


@pytest.mark.parametrize("trusted", [True, False])
def test_forwarded_scheme_and_host_only_behind_a_trusted_proxy(
    tmp_path: Path, trusted: bool
) -> None:
    from simulators import create_app, simulator_of

    app = create_app(SimConfig(data_dir=tmp_path, trust_proxy=trusted))
    try:
        wsdl = app.test_client().get(
            f"{DEBITOR_FORESPOERGSEL.path}?wsdl",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sp.example.dk"},
        )
        address = f'location="https://sp.example.dk{DEBITOR_FORESPOERGSEL.path}"'
        assert (address in wsdl.text) is trusted
        if not trusted:
            assert f'location="http://localhost{DEBITOR_FORESPOERGSEL.path}"' in wsdl.text
    finally:
        simulator_of(app).close()


def test_certs_command_writes_pem_and_p12_per_user_system(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["certs", "--out", str(tmp_path), "--host", "sp.test.example"]) == 0
    printed = capsys.readouterr().out
    assert "docs/tls.md" in printed and "sp.test.example" in printed
    layout = CertDir(tmp_path)
    layout.check(*(c.name for c in clients()))
    server = layout.server_files()[0].read_text()
    from cryptography import x509

    san = x509.load_pem_x509_certificate(server.encode()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert "sp.test.example" in san.value.get_values_for_type(x509.DNSName)
    for client in clients():
        pem = layout.client_files(client.name)[0].read_text()
        assert certs.user_system_of(pem) == client.user_system_uuid
        key, cert, chain = pkcs12.load_key_and_certificates(
            (tmp_path / f"{client.name}.p12").read_bytes(), certs.P12_PASSWORD.encode()
        )
        assert key is not None and cert is not None and len(chain) == 1
        assert (
            certs.user_system_of(cert.public_bytes(Encoding.PEM).decode())
            == client.user_system_uuid
        )
    assert {c.user_system_uuid for c in clients()} >= {
        kommuner.FBS_USER_SYSTEM_UUID,
        *(debtor_system_uuid(s) for s in ("opus", "prisme2015", "prisme2009", "eg")),
    }


def test_a_certificate_without_a_user_system_belongs_to_none(cert_dir: CertDir) -> None:
    pem = cert_dir.server_files()[0].read_text()
    assert certs.user_system_of(pem) is None
    assert certs.user_system_of("not a certificate") is None
    with pytest.raises(Exception, match="ForkertCertifikat"):
        certs.check_binding({}, kommuner.FBS_USER_SYSTEM_UUID)


def test_gunicorn_tls_with_the_guarded_worker_is_refused_with_a_reason() -> None:
    from gunicorn.config import Config

    from debitorsim import wsgi

    class Arbiter:
        cfg = Config()

    Arbiter.cfg.set("worker_class", wsgi.worker_class)
    wsgi.on_starting(Arbiter())  # plain HTTP: starts
    Arbiter.cfg.set("certfile", "server.pem")
    with pytest.raises(RuntimeError, match=r"docs/tls\.md"):
        wsgi.on_starting(Arbiter())


def test_zeep_reads_the_wsdl_and_calls_over_tls(bed: Testbed, cert_dir: CertDir) -> None:
    import zeep

    from integration.client.api import BusinessFault
    from integration.client.zeep_client import ZeepDebtorClient

    session = requests.Session()
    session.trust_env = False
    session.cert = cert_dir.requests_options("fbs")["cert"]
    session.verify = str(cert_dir.ca)
    client = zeep.Client(
        f"{bed.sim_url}{DEBITOR_FORESPOERGSEL.path}?wsdl", transport=zeep.Transport(session=session)
    )
    assert "HentDebitorkonto" in client.service._operations
    zeep_client = ZeepDebtorClient(CoreConfig(sp_url=bed.sim_url, tls=cert_dir))
    with pytest.raises(BusinessFault) as caught:
        zeep_client.call(
            KODE, model.HentDebitorkonto(kommunekode=KODE, debitorkontonummer="1"), "z-1"
        )
    assert caught.value.kode == "DebitorkontoFindesIkke"
