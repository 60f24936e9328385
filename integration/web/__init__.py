"""The integration core's web layer: FBS API, harness API, callback receiver, reconciliation."""
