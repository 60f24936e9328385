"""The integration core's web layer: FBS API, harness API, callback receiver, reconciliation.

`app.create_app` assembles the blueprints (`fbs_api`, `harness`, `callbacks`,
`reconcile_views`); they reach the core through `context`; `guard` protects the
harness and `auth` the callback receiver.
"""
