"""Quick end-to-end check of the contract package: encode, envelope, read back."""

from oeir import model, soap, testdata
from oeir.services import DEBITOR_REGISTRERING

HEADER = model.SpHeader(
    invocation_context=model.InvocationContext(
        service_agreement_uuid="00000000-0000-4000-8000-000000000001",
        user_system_uuid="00000000-0000-4000-8000-000000000002",
        user_uuid="00000000-0000-4000-8000-000000000003",
        service_uuid="00000000-0000-4000-8000-000000000004",
        callers_service_call_identifier="call-1",
    ),
    authority_context=model.AuthorityContext(municipality_cvr="29189846"),
)


def test_request_round_trip_through_envelope() -> None:
    message = model.OpretFordring(fordring=testdata.fordring(testdata.faker(7)))
    request = soap.read_request(soap.request_envelope(message, HEADER), DEBITOR_REGISTRERING)
    assert request.operation.name == "OpretFordring"
    assert request.message == message
    assert request.header == HEADER
