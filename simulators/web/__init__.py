"""The simulators' thin web layer: Flask blueprints over `simulators.engine.Simulator`.

`simulators.create_app` assembles it: `soap_calls` (the SOAP calls, plain WSGI in front
of Flask), `sp` (their ?wsdl and the XSDs), `admin` with
`fault_admin`, `time_admin` and `snapshot_admin` (the JSON admin API), `payment_pages`
and the `dashboard` package (HTML); `fault_middleware` and `work_slots` wrap the WSGI
app. Views reach the simulator through `context`; `guard` decides who may call.
"""
