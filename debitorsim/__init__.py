"""debitorsim: test bed for the FBS debtor integration (CLI and wiring)."""

__version__ = "0.1.0"
