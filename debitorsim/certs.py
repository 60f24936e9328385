"""Throwaway test certificates: one CA, the server, a client per user system (`debitorsim certs`).

Every client certificate carries its user system's UUID in the subject serialNumber
(``UI:DK-O:G:<uuid>``, `oeir.certs`), so the simulated Serviceplatformen and FBS's
callback receiver can bind a call's InvocationContext to the certificate it came with.
Keys are EC P-256; certificates are valid for 2 years. Nothing here is fit for production.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from oeir.certs import P12_PASSWORD, USER_SYSTEM_PREFIX, CertDir
from oeir.kommuner import FBS_USER_SYSTEM_UUID
from simulators.profiles import SYSTEMS

DEFAULT_DIR = Path(".debitorsim/certs")
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
VALIDITY = timedelta(days=730)
# 3DES/SHA-1 PKCS#12: what every Java keytool, macOS keychain and OpenSSL 1.x/3.x reads.
_P12_ENCRYPTION = (
    serialization.PrivateFormat.PKCS12.encryption_builder()
    .kdf_rounds(50_000)
    .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
    .hmac_hash(hashes.SHA1())
    .build(P12_PASSWORD.encode())
)


@dataclass(frozen=True, slots=True)
class Client:
    """One client certificate to issue: file name, readable name, user system (or None)."""

    name: str
    title: str
    user_system_uuid: str | None


def clients() -> tuple[Client, ...]:
    """FBS's user system, each debtor system's callback sender, and a tester (no user system)."""
    from simulators.callbacks.client import debtor_system_uuid

    return (
        Client("fbs", "FBS (anvendersystem)", FBS_USER_SYSTEM_UUID),
        *(
            Client(s, f"Debitorsystem {s} (afsender af callbacks)", debtor_system_uuid(s))
            for s in SYSTEMS
        ),
        Client("tester", "Tester (browser, curl; intet anvendersystem)", None),
    )


def _name(common_name: str, user_system_uuid: str | None = None) -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "debitorsim test"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if user_system_uuid:
        parts.append(
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"{USER_SYSTEM_PREFIX}{user_system_uuid}")
        )
    return x509.Name(parts)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _builder(subject: x509.Name, issuer: x509.Name, public_key: object) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
    )


def _san(hosts: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            entries.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(entries)


def _write(path: Path, data: bytes, secret: bool = False) -> None:
    path.write_bytes(data)
    if secret:
        os.chmod(path, 0o600)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make(out: Path = DEFAULT_DIR, hosts: tuple[str, ...] = ()) -> list[Path]:
    """Write a fresh CA, server and client certificates to `out`; return the files written.

    The server certificate names `hosts` besides localhost, 127.0.0.1 and ::1.
    Existing files of the same names are replaced (a new CA: reissue everything).
    """
    out.mkdir(parents=True, exist_ok=True)
    layout = CertDir(out)
    written: list[Path] = []

    ca_key = _key()
    ca_name = _name("debitorsim test CA (throwaway)")
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(layout.ca, ca_cert.public_bytes(serialization.Encoding.PEM))
    _write(out / "ca-key.pem", _pem_key(ca_key), secret=True)
    written += [layout.ca, out / "ca-key.pem"]

    def issue(
        subject: x509.Name, usage: x509.ObjectIdentifier, san: x509.SubjectAlternativeName | None
    ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = _key()
        builder = (
            _builder(subject, ca_name, key.public_key())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
        )
        if san is not None:
            builder = builder.add_extension(san, critical=False)
        return key, builder.sign(ca_key, hashes.SHA256())

    server_key, server_cert = issue(
        _name("debitorsim server"), ExtendedKeyUsageOID.SERVER_AUTH, _san((*LOCAL_NAMES, *hosts))
    )
    cert_path, key_path = layout.server_files()
    _write(cert_path, server_cert.public_bytes(serialization.Encoding.PEM))
    _write(key_path, _pem_key(server_key), secret=True)
    written += [cert_path, key_path]

    for client in clients():
        key, cert = issue(
            _name(client.title, client.user_system_uuid), ExtendedKeyUsageOID.CLIENT_AUTH, None
        )
        cert_path, key_path = layout.client_files(client.name)
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        _write(key_path, _pem_key(key), secret=True)
        p12 = out / f"{client.name}.p12"
        _write(
            p12,
            pkcs12.serialize_key_and_certificates(
                client.name.encode(),
                key,
                cert,
                [ca_cert],
                _P12_ENCRYPTION,
            ),
            secret=True,
        )
        written += [cert_path, key_path, p12]
    return written
