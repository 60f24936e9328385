"""Serve the shipped WSDL and XSD files with the real endpoint address filled in."""

from __future__ import annotations

from oeir.schema import SCHEMA_DIR, SCHEMA_FILES
from oeir.services import Service

_SHIPPED_BASE = "http://127.0.0.1:8081"
SCHEMA_PATH = "/service/OIR/schemas"
"""URL path under which `schema_document` files are served."""


def render(service: Service, base_url: str) -> bytes:
    """The WSDL of `service` with its address and schema locations pointing at `base_url`."""
    base = base_url.rstrip("/")
    text = service.wsdl_file.read_text(encoding="utf-8")
    text = text.replace(f'location="{_SHIPPED_BASE}', f'location="{base}')
    for name in SCHEMA_FILES.values():
        text = text.replace(
            f'schemaLocation="{name}"', f'schemaLocation="{base}{SCHEMA_PATH}/{name}"'
        )
    return text.encode("utf-8")


def schema_document(name: str) -> bytes | None:
    """A shipped XSD by file name (`oeir.schema.SCHEMA_FILES`), or None for any other name."""
    if name not in SCHEMA_FILES.values():
        return None
    return (SCHEMA_DIR / name).read_bytes()
