"""`debitorsim certs`: a throwaway test CA, a server certificate and a client certificate per user system."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "certs"
HELP = "make a throwaway test CA, server and client certificates for --tls (docs/tls.md)"
EXAMPLE = "debitorsim certs --out .debitorsim/certs"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument(
        "--out", default=".debitorsim/certs", help="directory to write (default .debitorsim/certs)"
    )
    parser.add_argument(
        "--host",
        action="append",
        default=[],
        help="a name or address the server certificate must also carry besides localhost, "
        "127.0.0.1 and ::1 (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    """Write the certificates and say how to use them."""
    from debitorsim.certs import LOCAL_NAMES, clients, make
    from oeir.certs import P12_PASSWORD

    out = Path(args.out)
    written = make(out, tuple(args.host))
    print(f"test certificates in {out.resolve()} (throwaway: never use them in production)")
    for path in written:
        print(f"  {path}")
    print(f"server certificate names: {', '.join(dict.fromkeys((*LOCAL_NAMES, *args.host)))}")
    print("client certificates (subject serialNumber UI:DK-O:G:<UserSystemUUID>):")
    for client in clients():
        print(
            f"  {client.name:<11} {client.user_system_uuid or '(no user system)':<37} {client.title}"
        )
    print(f"PKCS#12 password: {P12_PASSWORD}")
    print("use them:")
    print(f"  debitorsim up --tls {out}            (or: sim --tls {out}, core --tls {out})")
    print(
        f"  curl --cacert {out}/ca.pem --cert {out}/fbs.pem --key {out}/fbs-key.pem "
        "https://127.0.0.1:8081/service/OIR/DebitorRegistreringAfsend/1?wsdl"
    )
    print("  details (zeep, node-soap, Java keystore): docs/tls.md")
    return 0
