"""FBS as the harness drives it: the fee services, a patron's own payment, the FeeV2 views."""
