"""`oeir.namespaces.split` reads a tag as `lxml.etree.QName` does."""

from __future__ import annotations

import pytest
from lxml import etree

from oeir import namespaces
from oeir.namespaces import OEIR, SOAP_ENV, SP_INVOCATION


@pytest.mark.parametrize(
    "document",
    [
        f'<o:OpretFordring xmlns:o="{OEIR}"/>',
        f'<InvocationContext xmlns="{SP_INVOCATION}"/>',
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"/>',
        f'<x:Fordring xmlns:x="{OEIR}" xmlns:o="{OEIR}"/>',
        "<Fordring/>",
    ],
)
def test_split_gives_qnames_namespace_and_local_name(document: str) -> None:
    tag = etree.fromstring(document).tag
    qname = etree.QName(tag)
    assert namespaces.split(tag) == (qname.namespace, qname.localname)
