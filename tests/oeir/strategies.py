"""Hypothesis strategies for every message class of `oeir.model`.

Every value drawn is valid against the shipped XSDs (patterns, lengths,
xsd:choice groups, occurrence limits, aware datetimes with whole-minute
offsets). Identifiers are valid CPR/CVR numbers, but the messages as a whole
need *not* obey the business rules in `oeir.rules`: amounts may be zero or
negative and dates out of order, because the XSD allows it and the codec must
carry it. Use `messages(cls)` or the `STRATEGIES` table from other suites.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from oeir import kommuner, model

# --- Simple types ------------------------------------------------------------------

ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"
KODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
MAX_OERE = 10**15 - 1  # BeloebType: totalDigits 15, fractionDigits 2

_xml_chars = st.characters(
    codec="utf-8",
    exclude_categories=("Cs", "Cc", "Cn"),  # surrogates, controls, non-characters
)
_text_chars = st.one_of(
    st.sampled_from("æøåÆØÅéü «»–'\"&<>]]\t\n\r"),
    _xml_chars,
)


def xml_text(min_size: int = 0, max_size: int = 500) -> st.SearchStrategy[str]:
    """Text XML 1.0 can carry, Danish letters and markup characters included."""
    return st.text(_text_chars, min_size=min_size, max_size=max_size)


def ids() -> st.SearchStrategy[str]:
    """IdType: 1-64 of [A-Za-z0-9._:-]."""
    return st.text(ID_ALPHABET, min_size=1, max_size=64)


def korte_koder() -> st.SearchStrategy[str]:
    """KortKodeType: 1-32 of [A-Za-z0-9._-]."""
    return st.text(KODE_ALPHABET, min_size=1, max_size=32)


def tekster() -> st.SearchStrategy[str]:
    """TekstType: up to 500 characters."""
    return xml_text(0, 500)


def navne() -> st.SearchStrategy[str]:
    """NavnType: 1-200 characters."""
    return xml_text(1, 200)


def oere_amounts(min_value: int = -MAX_OERE, max_value: int = MAX_OERE) -> st.SearchStrategy[int]:
    """Amounts in øre that fit BeloebType (negative allowed, as the XSD allows)."""
    return st.one_of(
        st.integers(min_value, max_value),
        st.sampled_from(
            [v for v in (0, 1, -1, 99, 100, -100, 34995) if min_value <= v <= max_value]
        ),
    )


def dates() -> st.SearchStrategy[date]:
    """Dates in years 1000-9999.

    xsd:date and Python share years 1-9999 and our codec pads them ("0999-01-01"),
    but zeep writes years before 1000 unpadded ("999-01-01"), which is not a valid
    xsd:date; such dates never occur on a claim, so they are left out here.
    """
    return st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))


_offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes with xsd:dateTime offsets (whole minutes, at most ±14:00)."""
    return st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2200, 12, 31),
        timezones=st.one_of(st.just(UTC), _offsets),
    )


def cprs() -> st.SearchStrategy[str]:
    """Valid CPR numbers: a birth date with a 7th digit allowed for its century."""

    def _build(born: date, serial: int, data: st.DataObject) -> str:
        year = born.year
        if 1858 <= year <= 1899 or 2037 <= year <= 2057:
            digits = (5, 6, 7, 8)
        elif year <= 1936:
            digits = (0, 1, 2, 3)
        elif year <= 1999:
            digits = (0, 1, 2, 3, 4, 9)
        else:
            digits = (4, 9, 5, 6, 7, 8)
        digit7 = data.draw(st.sampled_from(digits))
        return f"{born:%d%m}{year % 100:02d}{digit7}{serial:03d}"

    return st.builds(
        _build,
        st.dates(min_value=date(1858, 1, 1), max_value=date(2057, 12, 31)),
        st.integers(0, 999),
        st.data(),
    )


def cvrs() -> st.SearchStrategy[str]:
    """Valid CVR numbers: seven digits, then the one check digit that passes modulus 11."""
    weights = (2, 7, 6, 5, 4, 3, 2)

    def _complete(first7: int) -> str | None:
        head = f"{first7:07d}"
        rest = -sum(int(d) * w for d, w in zip(head, weights, strict=True)) % 11
        return None if rest == 10 else head + str(rest)

    return st.integers(1_000_000, 9_999_999).map(_complete).filter(lambda c: c is not None)


def kommunekoder() -> st.SearchStrategy[str]:
    """A real three-digit municipality code."""
    return st.sampled_from([k.kode for k in kommuner.alle()])


def agency_ids() -> st.SearchStrategy[str]:
    """An FBS agency id, ``DK-`` and six digits."""
    return st.integers(0, 999_999).map(lambda n: f"DK-{n:06d}")


def uuids() -> st.SearchStrategy[str]:
    """A UUID in its canonical text form."""
    return st.uuids().map(str)


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _tuples(strategy: st.SearchStrategy[Any], min_size: int = 0, max_size: int = 3) -> Any:
    return st.lists(strategy, min_size=min_size, max_size=max_size).map(tuple)


# --- Building blocks ---------------------------------------------------------------

invocation_contexts = st.builds(
    model.InvocationContext,
    service_agreement_uuid=uuids(),
    user_system_uuid=uuids(),
    user_uuid=uuids(),
    service_uuid=uuids(),
    on_behalf_of_user=_opt(xml_text(0, 255)),
    callers_service_call_identifier=_opt(xml_text(0, 255)),
    accounting_info=_opt(xml_text(0, 255)),
)
call_contexts = st.builds(
    model.CallContext,
    on_behalf_of_user=_opt(xml_text(0, 255)),
    callers_service_call_identifier=_opt(xml_text(0, 255)),
    accounting_info=_opt(xml_text(0, 255)),
)
authority_contexts = st.builds(model.AuthorityContext, municipality_cvr=cvrs())
sp_headers = st.builds(
    model.SpHeader, invocation_context=invocation_contexts, authority_context=authority_contexts
)

debitorer = st.one_of(
    st.builds(model.Debitor, cpr_nummer=cprs(), navn=_opt(navne())),
    st.builds(model.Debitor, cvr_nummer=cvrs(), navn=_opt(navne())),
)
kreditorer = st.builds(model.Kreditor, agency_id=agency_ids(), kommunekode=kommunekoder())
materialer = st.builds(model.Materiale, materialenummer=ids(), post_id=ids())
perioder = st.builds(model.Periode, fra=dates(), til=dates())

fordringer = st.builds(
    model.Fordring,
    fordring_id=ids(),
    fordring_type=st.sampled_from(model.FordringType),
    klassifikationskode=korte_koder(),
    hovedstol=oere_amounts(),
    stiftelsesdato=dates(),
    forfaldsdato=dates(),
    sidste_rettidige_betalingsdato=dates(),
    periode=_opt(perioder),
    tekst=tekster(),
    materialer=_tuples(materialer),
    skriftligt_anerkendt=st.booleans(),
    debitor=debitorer,
    kreditor=kreditorer,
)

posteringer = st.builds(
    model.Postering,
    posteringstype=st.sampled_from(model.PosteringType),
    beloeb=oere_amounts(),
    dato=dates(),
    reference=_opt(ids()),
)

fordring_saldi = st.builds(
    model.FordringSaldo,
    fordring_id=ids(),
    fordring_type=st.sampled_from(model.FordringType),
    status=st.sampled_from(model.FordringStatus),
    hovedstol=oere_amounts(),
    nedskrevet=oere_amounts(),
    daekket=oere_amounts(),
    afskrevet=oere_amounts(),
    rykkergebyrer=oere_amounts(),
    renter=oere_amounts(),
    saldo=oere_amounts(),
    forfaldsdato=dates(),
    sidste_rettidige_betalingsdato=dates(),
    inddrivelse_status=_opt(st.sampled_from(model.PsrmStatus)),
    posteringer=_tuples(posteringer),
)

debitorkonti = st.builds(
    model.Debitorkonto,
    debitorkontonummer=ids(),
    debitor=debitorer,
    kommunekode=kommunekoder(),
    saldo=oere_amounts(),
    lukket=st.booleans(),
    fordringer=_tuples(fordring_saldi, max_size=2),
)

daekninger = st.builds(
    model.Daekning,
    beloeb=oere_amounts(),
    betalingsdato=dates(),
    betalingsmiddel=st.sampled_from(model.Betalingsmiddel),
    indbetaling_id=_opt(ids()),
)
daekninger_tilbagefoert = st.builds(
    model.DaekningTilbagefoert,
    beloeb=oere_amounts(),
    oprindelig_haendelse_id=ids(),
    tekst=_opt(tekster()),
)
afskrivninger = st.builds(
    model.Afskrivning,
    beloeb=oere_amounts(),
    aarsag=st.sampled_from(model.AfskrivningAarsag),
    tekst=_opt(tekster()),
)
nedreguleringer = st.builds(model.Nedregulering, beloeb=oere_amounts(), tekst=_opt(tekster()))
debitorkonto_lukket = st.builds(model.DebitorkontoLukket, lukkedato=dates())
overdragelser = st.builds(
    model.OverdragetTilInddrivelse,
    status=st.sampled_from(model.PsrmStatus),
    psrm_reference=_opt(ids()),
    tekst=_opt(tekster()),
)

_HAENDELSE_ART = {
    "daekning": daekninger,
    "daekning_tilbagefoert": daekninger_tilbagefoert,
    "afskrivning": afskrivninger,
    "nedregulering": nedreguleringer,
    "debitorkonto_lukket": debitorkonto_lukket,
    "overdraget_til_inddrivelse": overdragelser,
}
assert set(_HAENDELSE_ART) == set(model.HAENDELSE_ARTER)


@st.composite
def haendelser(draw: st.DrawFn) -> model.Haendelse:
    """An event with exactly one event kind set (the xsd:choice)."""
    art = draw(st.sampled_from(model.HAENDELSE_ARTER))
    return model.Haendelse(
        haendelse_id=draw(ids()),
        tidspunkt=draw(aware_datetimes()),
        kreditor=draw(kreditorer),
        debitorkontonummer=draw(ids()),
        fordring_id=draw(_opt(ids())),
        **{art: draw(_HAENDELSE_ART[art])},
    )


delfordringer = st.builds(
    model.Delfordring,
    fordring_id=ids(),
    tekst=tekster(),
    saldo=oere_amounts(),
    forfaldsdato=dates(),
    sidste_rettidige_betalingsdato=dates(),
)

haendelse_kvitteringer = st.builds(
    model.HaendelseKvittering, haendelse_id=ids(), status=st.sampled_from(model.KvitteringStatus)
)
daekning_kvitteringer = st.builds(
    model.DaekningKvittering, fordring_id=ids(), beloeb=oere_amounts()
)

# --- Top-level messages ------------------------------------------------------------

_cursors = xml_text(1, 256)

STRATEGIES: dict[type, st.SearchStrategy[Any]] = {
    model.InvocationContext: invocation_contexts,
    model.AuthorityContext: authority_contexts,
    model.CallContext: call_contexts,
    model.OpretDebitorkonto: st.builds(
        model.OpretDebitorkonto,
        debitor=debitorer,
        kreditor=kreditorer,
        fordringer=_tuples(fordringer, min_size=1, max_size=2),
    ),
    model.OpretDebitorkontoSvar: st.builds(
        model.OpretDebitorkontoSvar,
        debitorkontonummer=ids(),
        fordring_ider=_tuples(ids(), min_size=1),
    ),
    model.OpretFordring: st.builds(model.OpretFordring, fordring=fordringer),
    model.OpretFordringSvar: st.builds(
        model.OpretFordringSvar, debitorkontonummer=ids(), fordring_id=ids()
    ),
    model.NedskrivFordring: st.builds(
        model.NedskrivFordring,
        kreditor=kreditorer,
        fordring_id=ids(),
        nedskrivning_id=ids(),
        beloeb=oere_amounts(),
        aarsag=st.sampled_from(model.NedskrivningAarsag),
        tekst=_opt(tekster()),
    ),
    model.NedskrivFordringSvar: st.builds(
        model.NedskrivFordringSvar, fordring_id=ids(), saldo=oere_amounts()
    ),
    model.AnnullerFordring: st.builds(
        model.AnnullerFordring,
        kreditor=kreditorer,
        fordring_id=ids(),
        aarsag=st.sampled_from(model.AnnulleringAarsag),
        tekst=_opt(tekster()),
    ),
    model.AnnullerFordringSvar: st.builds(
        model.AnnullerFordringSvar,
        fordring_id=ids(),
        status=st.sampled_from(model.FordringStatus),
    ),
    model.SkiftHaefter: st.builds(
        model.SkiftHaefter, kreditor=kreditorer, fordring_id=ids(), ny_debitor=debitorer
    ),
    model.SkiftHaefterSvar: st.builds(
        model.SkiftHaefterSvar, fordring_id=ids(), debitorkontonummer=ids()
    ),
    model.RegistrerDaekningAfskrivning: st.builds(
        model.RegistrerDaekningAfskrivning, haendelser=_tuples(haendelser(), min_size=1)
    ),
    model.RegistrerDaekningAfskrivningSvar: st.builds(
        model.RegistrerDaekningAfskrivningSvar,
        kvitteringer=_tuples(haendelse_kvitteringer, min_size=1),
    ),
    model.HentDebitorkonto: st.one_of(
        st.builds(model.HentDebitorkonto, kommunekode=kommunekoder(), debitorkontonummer=ids()),
        st.builds(model.HentDebitorkonto, kommunekode=kommunekoder(), debitor=debitorer),
    ),
    model.HentDebitorkontoSvar: st.builds(model.HentDebitorkontoSvar, debitorkonto=debitorkonti),
    model.SoegDebitorkonti: st.builds(
        model.SoegDebitorkonti,
        kommunekode=kommunekoder(),
        cursor=_opt(_cursors),
        maks_antal=st.integers(1, 1000),
    ),
    model.SoegDebitorkontiSvar: st.builds(
        model.SoegDebitorkontiSvar,
        debitorkonti=_tuples(debitorkonti, max_size=2),
        naeste_cursor=_opt(_cursors),
    ),
    model.SoegDelfordringTilIndbetaling: st.builds(
        model.SoegDelfordringTilIndbetaling, kommunekode=kommunekoder(), debitor=debitorer
    ),
    model.SoegDelfordringTilIndbetalingSvar: st.builds(
        model.SoegDelfordringTilIndbetalingSvar, delfordringer=_tuples(delfordringer)
    ),
    model.ForetagIndbetaling: st.builds(
        model.ForetagIndbetaling,
        kommunekode=kommunekoder(),
        debitor=debitorer,
        indbetaling_id=ids(),
        beloeb=oere_amounts(),
        betalingsmiddel=st.sampled_from(model.Betalingsmiddel),
        fordring_ider=_tuples(ids()),
    ),
    model.ForetagIndbetalingSvar: st.builds(
        model.ForetagIndbetalingSvar,
        indbetaling_id=ids(),
        daekninger=_tuples(daekning_kvitteringer),
        overskud=oere_amounts(),
    ),
    model.Fejl: st.builds(
        model.Fejl,
        fejl_kode=korte_koder(),
        fejl_tekst=tekster(),
        fejl_tekst_engelsk=tekster(),
        felt=_opt(tekster()),
    ),
}
"""A strategy for every top-level message class (`oeir.codec.TOP_LEVEL`)."""

BUILDING_BLOCKS: dict[type, st.SearchStrategy[Any]] = {
    model.SpHeader: sp_headers,
    model.Debitor: debitorer,
    model.Kreditor: kreditorer,
    model.Materiale: materialer,
    model.Periode: perioder,
    model.Fordring: fordringer,
    model.Postering: posteringer,
    model.FordringSaldo: fordring_saldi,
    model.Debitorkonto: debitorkonti,
    model.Daekning: daekninger,
    model.DaekningTilbagefoert: daekninger_tilbagefoert,
    model.Afskrivning: afskrivninger,
    model.Nedregulering: nedreguleringer,
    model.DebitorkontoLukket: debitorkonto_lukket,
    model.OverdragetTilInddrivelse: overdragelser,
    model.Haendelse: haendelser(),
    model.Delfordring: delfordringer,
    model.HaendelseKvittering: haendelse_kvitteringer,
    model.DaekningKvittering: daekning_kvitteringer,
}
"""Strategies for the classes that only occur inside a message."""


def messages(cls: type) -> st.SearchStrategy[Any]:
    """The strategy for any class of `oeir.model` (message or building block)."""
    found = STRATEGIES.get(cls)
    return found if found is not None else BUILDING_BLOCKS[cls]


# --- Messages that also obey the business rules (oeir.rules) ----------------------------


@st.composite
def valid_fordringer(draw: st.DrawFn, debitor: model.Debitor | None = None) -> model.Fordring:
    """A claim that passes the XSD *and* `oeir.rules`: positive amount, dates in order."""
    created = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
    due = created + timedelta(days=draw(st.integers(0, 60)))
    last_timely = due + timedelta(days=draw(st.integers(0, 30)))
    periode = None
    if draw(st.booleans()):
        start = created - timedelta(days=draw(st.integers(0, 365)))
        periode = model.Periode(fra=start, til=start + timedelta(days=draw(st.integers(0, 90))))
    fordring = draw(fordringer)
    return dataclasses.replace(
        fordring,
        hovedstol=draw(st.integers(1, 10**9)),
        stiftelsesdato=created,
        forfaldsdato=due,
        sidste_rettidige_betalingsdato=last_timely,
        periode=periode,
        debitor=debitor or fordring.debitor,
    )


@st.composite
def valid_opret_debitorkonto(draw: st.DrawFn) -> model.OpretDebitorkonto:
    """An `OpretDebitorkonto` whose claims all belong to its debtor and creditor (distinct ids)."""
    debitor = draw(debitorer)
    kreditor = draw(kreditorer)
    claims = draw(
        st.lists(
            valid_fordringer(debitor), min_size=1, max_size=3, unique_by=lambda f: f.fordring_id
        )
    )
    return model.OpretDebitorkonto(
        debitor=debitor,
        kreditor=kreditor,
        fordringer=tuple(dataclasses.replace(f, kreditor=kreditor) for f in claims),
    )
