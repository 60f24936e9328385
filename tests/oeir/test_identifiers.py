"""CPR and CVR checks, CPR masking, and the Danish Faker provider."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oeir import identifiers, testdata
from oeir.identifiers import cpr_birthdate, mask_cpr, mask_cprs_in_text, valid_cpr, valid_cvr
from tests.oeir import strategies as s

# CPR-kontoret's table: the 7th digit and the two-digit year give the century.
CENTURY_TABLE = [
    # (7th digits, years 00-36, years 37-57, years 58-99)
    ((0, 1, 2, 3), 1900, 1900, 1900),
    ((4, 9), 2000, 1900, 1900),
    ((5, 6, 7, 8), 2000, 2000, 1800),
]


def _century(digit7: int, yy: int) -> int:
    for digits, low, mid, high in CENTURY_TABLE:
        if digit7 in digits:
            return low if yy <= 36 else mid if yy <= 57 else high
    raise AssertionError(digit7)


def _mod11_cpr(cpr: str) -> bool:
    return (
        sum(int(d) * w for d, w in zip(cpr, (4, 3, 2, 7, 6, 5, 4, 3, 2, 1), strict=True)) % 11 == 0
    )


def test_century_table_for_every_seventh_digit_and_year() -> None:
    for digit7 in range(10):
        for yy in range(100):
            cpr = f"0107{yy:02d}{digit7}123"
            assert cpr_birthdate(cpr) == date(_century(digit7, yy) + yy, 7, 1), cpr


@pytest.mark.parametrize(
    ("cpr", "born"),
    [
        ("1502803456", date(1980, 2, 15)),
        ("0304054123", date(2005, 4, 3)),
        ("0304374123", date(1937, 4, 3)),
        ("0304365123", date(2036, 4, 3)),
        ("0304575123", date(2057, 4, 3)),
        ("0304585123", date(1858, 4, 3)),
        ("2902004123", date(2000, 2, 29)),
        ("2902965123", date(1896, 2, 29)),
    ],
)
def test_valid_cprs_and_their_birth_dates(cpr: str, born: date) -> None:
    assert valid_cpr(cpr)
    assert cpr_birthdate(cpr) == born


@pytest.mark.parametrize(
    ("cpr", "why"),
    [
        ("3102801234", "31 February"),
        ("0013801234", "month 13"),
        ("0001801234", "day 0"),
        ("2902001123", "29 Feb 1900 (digit 1 means 1900, not a leap year)"),
        ("2902975123", "29 Feb 1897 (digit 5 with 97 means 1897)"),
        ("2902014123", "29 Feb 2001"),
        ("150280345", "nine digits"),
        ("15028034567", "eleven digits"),
        ("150280-3456", "with a dash"),
        ("15028O3456", "a letter O"),
        ("١٥٠٢٨٠٣٤٥٦", "Arabic-Indic digits"),
        ("", "empty"),
    ],
)
def test_invalid_cprs(cpr: str, why: str) -> None:
    assert not valid_cpr(cpr), why
    assert cpr_birthdate(cpr) is None


def test_a_cpr_failing_modulus_11_is_still_valid() -> None:
    cpr = "1502803457"
    assert not _mod11_cpr(cpr)  # numbers issued since 2007 need not pass it
    assert valid_cpr(cpr)
    passing = next(f"150280{n:04d}" for n in range(10_000) if _mod11_cpr(f"150280{n:04d}"))
    assert valid_cpr(passing)


def _cvr_oracle(cvr: str) -> bool:
    weights = (2, 7, 6, 5, 4, 3, 2, 1)
    return sum(int(d) * w for d, w in zip(cvr, weights, strict=True)) % 11 == 0


@settings(max_examples=500)
@given(st.integers(10_000_000, 99_999_999))
def test_cvr_is_modulus_11(n: int) -> None:
    assert valid_cvr(str(n)) == _cvr_oracle(str(n))


@pytest.mark.parametrize(
    "cvr", ["25360061", "0536006", "02536006", "253600600", "2536006O", "", "12345678"]
)
def test_invalid_cvrs(cvr: str) -> None:
    assert not valid_cvr(cvr)


def test_valid_cvrs() -> None:
    for cvr in ("25360060", "10000009", "30101006"):
        assert _cvr_oracle(cvr)
        assert valid_cvr(cvr)


@settings(max_examples=200)
@given(s.cvrs())
def test_cvr_strategy_generates_valid_cvrs(cvr: str) -> None:
    assert valid_cvr(cvr)


@settings(max_examples=200)
@given(s.cprs())
def test_cpr_strategy_generates_valid_cprs(cpr: str) -> None:
    assert valid_cpr(cpr)


# --- Masking ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("1502803456", "150280-****"),
        ("150280-3456", "150280-****"),
        ("12345", "**********"),
        ("", "**********"),
    ],
)
def test_mask_cpr(raw: str, masked: str) -> None:
    assert mask_cpr(raw) == masked


def test_mask_cprs_in_text_masks_cprs_and_leaves_other_numbers() -> None:
    text = (
        "Debitor 1502803456 (også skrevet 150280-3456) skylder 349,95 kr; "
        "ordre 9999999999, konto 12345678901234, CVR 25360060, tlf. 33 66 33 66, "
        "lang 01502803456, dato 2026-11-24."
    )
    assert mask_cprs_in_text(text) == (
        "Debitor 150280-**** (også skrevet 150280-****) skylder 349,95 kr; "
        "ordre 9999999999, konto 12345678901234, CVR 25360060, tlf. 33 66 33 66, "
        "lang 01502803456, dato 2026-11-24."
    )


@settings(max_examples=300)
@given(st.lists(st.one_of(s.cprs(), st.text(max_size=12)), max_size=6))
def test_no_valid_cpr_survives_masking(parts: list[str]) -> None:
    masked = mask_cprs_in_text(" ".join(parts))
    for m in re.finditer(r"(?<!\d)(\d{6})-?(\d{4})(?!\d)", masked):
        assert not valid_cpr(m.group(1) + m.group(2))


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(exclude_categories=("Nd",))))
def test_masking_leaves_text_without_digits_alone(text: str) -> None:
    assert mask_cprs_in_text(text) == text


@settings(max_examples=300)
@given(st.text(alphabet="0123456789- x", max_size=40), s.cprs())
def test_masking_runs_first_matches_the_plain_pattern(noise: str, cpr: str) -> None:
    """The digit-run prefilter changes speed only: same result as one exact pattern."""
    text = f"{noise}{cpr}{noise[::-1]}"
    plain = re.sub(
        r"(?<![0-9])([0-9]{6})-?([0-9]{4})(?![0-9])",
        lambda m: f"{m.group(1)}-****" if valid_cpr(m.group(1) + m.group(2)) else m.group(0),
        text,
    )
    assert mask_cprs_in_text(text) == plain


_RUN = re.compile(r"[0-9][0-9-]{9,}")


def _mask_by_runs(text: str) -> str:
    """The masking as one regular expression over the whole text found the runs."""
    return _RUN.sub(
        lambda run: re.sub(
            r"(?<![0-9])([0-9]{6})-?([0-9]{4})(?![0-9])",
            lambda m: f"{m.group(1)}-****" if valid_cpr(m.group(1) + m.group(2)) else m.group(0),
            run.group(0),
        ),
        text,
    )


_NOISY = st.text(
    alphabet=st.one_of(
        st.sampled_from("0123456789-- x<>:æ€\U0001f600\ud800٣"),
        st.characters(codec="utf-8"),
    ),
    max_size=30,
)


@settings(max_examples=500)
@given(st.lists(st.one_of(_NOISY, s.cprs(), s.cprs().map(lambda c: f"{c[:6]}-{c[6:]}"))))
def test_masking_by_windows_matches_the_runs_found_by_one_pattern(parts: list[str]) -> None:
    """Windows found by six digits in a row change speed only: the runs' result, with
    dashes, other digits (Arabic-Indic ٣), non-ASCII and lone surrogates around."""
    text = "".join(parts)
    assert mask_cprs_in_text(text) == _mask_by_runs(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0101901234",
        "-0101901234-",
        "--0101901234",
        "x0101901234x",
        "01019012345",
        "0101901234-0101901234",
        "12-0101901234",
        "æ0101901234ø",
        "\ud8000101901234",
        "010190123",
        "1-2-3-4-5-6-7-8-9-0",
        "2026-11-24 0101901234",
    ],
)
def test_masking_by_windows_at_the_edges(text: str) -> None:
    assert mask_cprs_in_text(text) == _mask_by_runs(text)


# --- Faker provider --------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32))
def test_generated_cpr_and_cvr_are_always_valid(seed: int) -> None:
    fake = testdata.faker(seed)
    for _ in range(20):
        assert valid_cpr(fake.cpr())
        assert valid_cvr(fake.cvr())


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1858, 1, 1), max_value=date(2057, 12, 31)), st.integers(0, 99))
def test_generated_cpr_encodes_the_birth_date_given(born: date, seed: int) -> None:
    cpr = testdata.faker(seed).cpr(born)
    assert cpr_birthdate(cpr) == born


@pytest.mark.parametrize("born", [date(1857, 12, 31), date(2058, 1, 1), date(2099, 6, 1)])
def test_no_cpr_outside_the_centuries_the_7th_digit_covers(born: date) -> None:
    with pytest.raises(ValueError):
        testdata.faker(1).cpr(born)


def test_faker_is_deterministic_with_a_seed() -> None:
    def draw(seed: int) -> list[str]:
        fake = testdata.faker(seed)
        return [fake.cpr() for _ in range(5)] + [fake.cvr() for _ in range(5)]

    assert draw(42) == draw(42)
    assert draw(42) != draw(43)


def test_generated_claims_are_deterministic_with_a_seed() -> None:
    today = date(2026, 11, 24)
    first = testdata.fordring(testdata.faker(7), today=today)
    second = testdata.fordring(testdata.faker(7), today=today)
    assert first == second
    assert identifiers.valid_cpr(first.debitor.cpr_nummer or "")
