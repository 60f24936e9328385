"""Values as a Dane reads them, one formatter each for every page and report.

Money: øre (int) to ``1.234,50 kr.``; never through float, never ``-0,00 kr.``: zero
has no sign, and a deduction shown with a minus is formatted from the negative amount
(``kroner(-x)``), not by putting ``-`` in front. A claim's status: ``Aaben`` (the wire
value, ASCII) is shown ``Åben``.
"""

from __future__ import annotations


def kroner(oere: int) -> str:
    """Øre as Danish kroner: ``123450`` -> ``1.234,50 kr.``, ``-5`` -> ``-0,05 kr.``."""
    value = int(oere)
    sign = "-" if value < 0 else ""
    kr, ore = divmod(abs(value), 100)
    return f"{sign}{kr:,}".replace(",", ".") + f",{ore:02d} kr."


STATUS_NAMES = {
    "Aaben": "Åben",
    "Betalt": "Betalt",
    "Annulleret": "Annulleret",
    "Afskrevet": "Afskrevet",
    "OverdragetTilInddrivelse": "Overdraget til inddrivelse",
}
"""A claim status (`oeir.model.FordringStatus` value) in plain Danish."""


def status_name(status: object) -> str:
    """A claim status in plain Danish (``Aaben`` -> ``Åben``); other values as they are."""
    return STATUS_NAMES.get(str(status), str(status))
