"""Danish test data: valid CPR and CVR numbers and whole claims, built on Faker (da_DK).

Generated CPR numbers are valid under the date and century rules but are not
real people's; deterministic when Faker is seeded.
"""

from __future__ import annotations

from datetime import date, timedelta

from faker import Faker
from faker.providers import BaseProvider

from oeir import model
from oeir.identifiers import valid_cvr


class DanishIdentifierProvider(BaseProvider):
    """Faker provider with `cpr()` and `cvr()`."""

    def cpr(self, birthdate: date | None = None) -> str:
        """A valid CPR number for `birthdate` (random adult birth date by default)."""
        born = birthdate or self.generator.date_of_birth(minimum_age=18, maximum_age=90)
        yy = born.year % 100
        if 1858 <= born.year <= 1899 or 2037 <= born.year <= 2057:
            digits: tuple[int, ...] = (5, 6, 7, 8)
        elif 1900 <= born.year <= 1936:
            digits = (0, 1, 2, 3)
        elif 1937 <= born.year <= 1999:
            digits = (0, 1, 2, 3, 4, 9)
        elif 2000 <= born.year <= 2036:
            digits = (4, 9, 5, 6, 7, 8)
        else:
            raise ValueError(f"no CPR century digit for {born.year} (CPR covers 1858-2057)")
        digit7 = self.random_element(digits)
        return f"{born:%d%m}{yy:02d}{digit7}{self.random_int(0, 999):03d}"

    def cvr(self) -> str:
        """A valid (modulus 11) CVR number. Not guaranteed to be unassigned in the real register."""
        while True:
            candidate = f"{self.random_int(1, 9)}{self.random_int(0, 9_999_999):07d}"
            if valid_cvr(candidate):
                return candidate


def faker(seed: int | None = None) -> Faker:
    """A `da_DK` Faker with the Danish identifier provider, seeded if `seed` is given."""
    fake = Faker("da_DK")
    fake.add_provider(DanishIdentifierProvider)
    if seed is not None:
        fake.seed_instance(seed)
    return fake


def fordring(
    fake: Faker,
    *,
    kommunekode: str = "101",
    agency_id: str = "DK-710100",
    fordring_id: str | None = None,
    debitor: model.Debitor | None = None,
    today: date | None = None,
) -> model.Fordring:
    """A realistic late fee or compensation claim with valid identifiers and dates.

    Deterministic for a seeded `fake` only when `today` is given: without it the
    creation date is drawn from the 60 days before the wall-clock date.
    """
    created = today or fake.date_between(start_date="-60d", end_date="today")
    erstatning = fake.boolean(chance_of_getting_true=30)
    due = created + timedelta(days=14)
    return model.Fordring(
        fordring_id=fordring_id or f"FBS-{fake.unique.random_int(1, 10**9)}",
        fordring_type=model.FordringType.ERSTATNING if erstatning else model.FordringType.GEBYR,
        klassifikationskode="BIB-ERSTATNING" if erstatning else "BIB-GEBYR",
        hovedstol=fake.random_int(100, 150) * 100 if erstatning else fake.random_int(10, 60) * 100,
        stiftelsesdato=created,
        forfaldsdato=due,
        sidste_rettidige_betalingsdato=due,
        tekst="Erstatning for bortkommet materiale" if erstatning else "Gebyr (for sent)",
        materialer=(
            model.Materiale(
                materialenummer=str(fake.random_int(10**7, 10**8)),
                post_id=f"870970-basis:{fake.random_int(10**7, 10**8)}",
            ),
        ),
        skriftligt_anerkendt=erstatning and fake.boolean(),
        debitor=debitor or model.Debitor(cpr_nummer=fake.cpr(), navn=fake.name()),
        kreditor=model.Kreditor(agency_id=agency_id, kommunekode=kommunekode),
    )
