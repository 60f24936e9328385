"""XML namespaces of the modelled SF1590_B contract.

The official namespaces live in KOMBIT's non-public schemas; these are our own
URNs, kept in one place so an official schema can replace them (docs/contract.md).
"""

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
OEIR = "urn:debitorsim:oeir:sf1590b:1"
SP = "urn:debitorsim:serviceplatformen:1"
