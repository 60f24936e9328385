"""CPR and CVR number checks, and masking of CPR numbers in text.

CPR: ten digits DDMMYY-SSSS. The 7th digit with the year gives the century.
Modulus 11 is deliberately *not* checked: CPR numbers issued since 2007 need
not satisfy it (CPR-kontoret). CVR: eight digits with modulus 11.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

_CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def cpr_birthdate(cpr: str) -> date | None:
    """The birth date a CPR number encodes, or None when it is not a valid CPR number."""
    if len(cpr) != 10 or not cpr.isascii() or not cpr.isdigit():
        return None
    day, month, yy, digit7 = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6]), int(cpr[6])
    if digit7 <= 3:
        century = 1900
    elif digit7 in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:  # 5-8
        century = 2000 if yy <= 57 else 1800
    try:
        return date(century + yy, month, day)
    except ValueError:
        return None


def valid_cpr(cpr: str) -> bool:
    """True if `cpr` is ten digits encoding a real date under the century rules."""
    return cpr_birthdate(cpr) is not None


def valid_cvr(cvr: str) -> bool:
    """True if `cvr` is eight digits, not starting with 0, passing modulus 11."""
    if len(cvr) != 8 or not cvr.isascii() or not cvr.isdigit() or cvr[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(cvr, _CVR_WEIGHTS, strict=True)) % 11 == 0


def mask_cpr(cpr: str) -> str:
    """Show only the birth date of a CPR number: ``0101901234`` -> ``010190-****``."""
    digits = cpr.replace("-", "")
    return f"{digits[:6]}-****" if len(digits) == 10 else "**********"


_CPR_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{6})-?([0-9]{4})(?![0-9])")
# A CPR number lies inside a run of ASCII digits and dashes with six digits in a row.
# Such windows are found with bytes.translate and bytes.find (a few instructions a
# character), not a regular expression tried at every position of a message.
_SIX_DIGITS = b"000000"
_DIGIT_MARKS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x2E for b in range(256))
"""Every ASCII digit as "0", every other byte as "."."""
_RUN_BYTES = frozenset(b"0123456789-")


def _mask(m: re.Match[str]) -> str:
    return f"{m.group(1)}-****" if valid_cpr(m.group(1) + m.group(2)) else m.group(0)


def mask_cprs_in_text(text: str) -> str:
    """Mask every valid CPR number in free text (with or without the dash).

    Each maximal run of ASCII digits and dashes is masked on its own with `_CPR_IN_TEXT`;
    only runs with six digits in a row can hold a CPR number, so only those are looked at.
    The text is searched as UTF-8, where an ASCII digit or dash is always that character
    (never part of another's bytes).
    """
    data = text.encode("utf-8", "surrogatepass")
    marks = data.translate(_DIGIT_MARKS)
    hit = marks.find(_SIX_DIGITS)
    if hit < 0:
        return text
    size, done = len(data), 0
    parts: list[bytes] = []
    while hit >= 0:
        start, end = hit, hit + 6
        while start > 0 and data[start - 1] in _RUN_BYTES:
            start -= 1
        while end < size and data[end] in _RUN_BYTES:
            end += 1
        if end - start >= 10:  # a shorter run cannot hold one
            run = data[start:end].decode("ascii")
            masked = _CPR_IN_TEXT.sub(_mask, run)
            if masked != run:
                parts += (data[done:start], masked.encode("ascii"))
                done = end
        hit = marks.find(_SIX_DIGITS, end)
    if not parts:
        return text
    parts.append(data[done:])
    return b"".join(parts).decode("utf-8", "surrogatepass")


def mask_cprs_in_data(value: Any) -> Any:
    """`value` with every CPR number masked in its strings, inside dicts and lists too."""
    if isinstance(value, str):
        return mask_cprs_in_text(value)
    if isinstance(value, dict):
        return {k: mask_cprs_in_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_cprs_in_data(v) for v in value]
    return value
