"""TLS with client certificates: where the test certificates are, and whose a certificate is.

Serviceplatformen lets a user system (anvendersystem) in only with the client certificate
registered to it (a FOCES/OCES function certificate), and refuses a call whose
InvocationContext names another user system. debitorsim models the registration inside
the certificate: its subject ``serialNumber`` carries the user system's UUID in the
OCES3 form ``UI:DK-O:G:<UserSystemUUID>``. `debitorsim certs` writes such certificates
under one throwaway test CA (docs/tls.md); a certificate without that attribute belongs
to no user system.

Both sides use this module: the simulated Serviceplatformen checks calls to the debtor
systems, FBS's callback receiver checks the debtor systems' callbacks. The server hands
the verified peer certificate to the app as PEM in the WSGI environ (``SSL_CLIENT_CERT``,
as werkzeug, nginx and Apache name it).
"""

from __future__ import annotations

import ssl
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oeir.faults import OeirFault

ENVIRON_KEY = "SSL_CLIENT_CERT"
"""The WSGI environ key holding the verified client certificate (PEM)."""
USER_SYSTEM_PREFIX = "UI:DK-O:G:"
"""OCES3 form of an organisation's unique identifier in the subject serialNumber."""
P12_PASSWORD = "debitorsim"
"""Password of every PKCS#12 file `debitorsim certs` writes (test certificates only)."""


@dataclass(frozen=True, slots=True)
class CertDir:
    """The directory `debitorsim certs` writes: the CA, the server's and the clients' files.

    ``ca.pem``; ``server.pem`` + ``server-key.pem``; per client ``NAME.pem``,
    ``NAME-key.pem`` and ``NAME.p12``. Client names: ``fbs`` (FBS's user system), the
    debtor systems' senders by system (``opus``, ``prisme2015``, ``prisme2009``, ``eg``)
    and ``tester`` (a person's browser or curl; no user system).
    """

    path: Path

    @property
    def ca(self) -> Path:
        """The test CA's certificate: trust anchor for servers and clients."""
        return self.path / "ca.pem"

    def server_files(self) -> tuple[Path, Path]:
        """The server's certificate and key."""
        return self.path / "server.pem", self.path / "server-key.pem"

    def client_files(self, name: str) -> tuple[Path, Path]:
        """Client `name`'s certificate and key (PEM)."""
        return self.path / f"{name}.pem", self.path / f"{name}-key.pem"

    def check(self, *clients: str) -> None:
        """Raise FileNotFoundError naming what is missing (run `debitorsim certs` first)."""
        needed = [self.ca, *self.server_files()]
        for name in clients:
            needed += self.client_files(name)
        missing = [str(p) for p in needed if not p.is_file()]
        if missing:
            raise FileNotFoundError(
                f"missing {', '.join(missing)}: run `debitorsim certs --out {self.path}` first"
            )

    def server_context(self) -> ssl.SSLContext:
        """A server context that requires a client certificate signed by the test CA."""
        self.check()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(self.ca))
        context.load_cert_chain(*(str(p) for p in self.server_files()))
        context.verify_mode = ssl.CERT_REQUIRED
        return context

    def requests_options(self, name: str) -> dict[str, Any]:
        """``cert=`` and ``verify=`` for `requests` as client `name`."""
        cert, key = self.client_files(name)
        return {"cert": (str(cert), str(key)), "verify": str(self.ca)}


def user_system_of(pem: str) -> str | None:
    """The UserSystemUUID a certificate is registered to, or None (see the module)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError:
        return None
    for attribute in cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        value = str(attribute.value)
        if value.upper().startswith(USER_SYSTEM_PREFIX.upper()):
            try:
                return str(uuid.UUID(value[len(USER_SYSTEM_PREFIX) :]))
            except ValueError:
                return None
    return None


def check_binding(environ: dict[str, Any], user_system_uuid: str) -> None:
    """The call's certificate must belong to the user system its InvocationContext names.

    Raises `OeirFault` ``ForkertCertifikat`` otherwise. `environ` is the request's WSGI
    environ; call this only where TLS is required (the server verified the certificate).
    """
    pem = environ.get(ENVIRON_KEY)
    if not pem:
        raise OeirFault(
            "no client certificate reached the service",
            kode="ForkertCertifikat",
            felt="InvocationContext/UserSystemUUID",
        )
    owner = user_system_of(pem)
    if owner is None or owner != user_system_uuid.lower():
        raise OeirFault(
            f"certificate of {owner or 'no user system'}, call for {user_system_uuid}",
            kode="ForkertCertifikat",
            felt="InvocationContext/UserSystemUUID",
        )
