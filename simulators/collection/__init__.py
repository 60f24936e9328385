"""Collection over time: invoice, reminder (rykker) with fee, handover to a PSRM stub."""

from simulators.collection.psrm import Afvisning, PsrmKvittering, vurder
from simulators.collection.reminders import Collection

__all__ = ["Afvisning", "Collection", "PsrmKvittering", "vurder"]
