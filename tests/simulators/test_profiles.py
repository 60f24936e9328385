"""Profiles are data: complete, marked public or assumed, overridable; the registry follows the seed."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from oeir import kommuner
from oeir.model import FordringType
from simulators import tenants as tenants_mod
from simulators.profiles import PROFILE_DIR, SYSTEMS, ProfileError, all_builtin, builtin, load
from simulators.store import SqliteStore
from simulators.tenants import DATA_FILE, TenantRegistry, shipped_assignments


def test_defaults_follow_the_domain_brief() -> None:
    profiles = all_builtin()
    assert {k: p.payment_solution for k, p in profiles.items()} == {
        "opus": True,
        "prisme2015": True,
        "prisme2009": False,
        "eg": False,
    }
    for p in profiles.values():
        assert p.callbacks.mode == "nightly"
        assert p.callbacks.weekdays_only and p.callbacks.skip_holidays
        assert p.reminders[FordringType.ERSTATNING].fee == 25_000
        assert "payment_solution" in p.sources and not p.is_assumed("payment_solution")
        assert p.is_assumed("text_max_length")


def test_every_value_is_public_or_assumed() -> None:
    for p in all_builtin().values():
        for key, _ in p.leaves():
            assert (key in p.sources) != (key in p.assumed), f"{p.key}: {key}"


def test_a_profile_with_an_unmarked_value_is_refused(tmp_path: Path) -> None:
    text = (PROFILE_DIR / "opus.toml").read_text(encoding="utf-8")
    (tmp_path / "x.toml").write_text(text.replace('    "text_max_length",\n', "", 1))
    with pytest.raises(ProfileError, match="neither public nor assumed: text_max_length"):
        load("x", tmp_path)


def test_overrides_replace_values_and_are_marked() -> None:
    opus = builtin("opus")
    local = opus.with_overrides({"text_max_length": 40, "reminders": {"Gebyr": {"fee": 5000}}})
    assert local.text_max_length == 40
    assert local.reminders[FordringType.GEBYR].fee == 5000
    assert local.reminders[FordringType.ERSTATNING].fee == 25_000
    assert local.overridden == {"text_max_length", "reminders.Gebyr.fee"}
    assert opus.text_max_length == 200  # the shipped profile is untouched
    assert opus.with_overrides({"callbacks.mode": "realtime"}).callbacks.mode == "realtime"
    with pytest.raises(ProfileError, match="unknown profile value"):
        opus.with_overrides({"no_such_value": 1})
    with pytest.raises(ProfileError, match="must be an integer"):
        opus.with_overrides({"text_max_length": "long"})


def test_no_code_branches_on_the_system_name() -> None:
    root = Path(__file__).parents[2] / "simulators"
    for path in root.rglob("*.py"):
        text = path.read_text()
        for system in SYSTEMS:
            for quote in ('"', "'"):
                assert f"== {quote}{system}{quote}" not in text, path
                assert f"!= {quote}{system}{quote}" not in text, path


def test_shipped_registry_has_the_seed_split() -> None:
    assignments = shipped_assignments()
    assert set(assignments) == {k.kode for k in kommuner.alle()}
    assert Counter(a.system for a in assignments.values()) == {
        "opus": 64,
        "prisme2015": 10,
        "prisme2009": 13,
        "eg": 11,
    }
    assert (assignments["561"].system, assignments["561"].illustrative) == ("prisme2009", False)
    assert (assignments["621"].system, assignments["621"].illustrative) == ("prisme2015", False)
    assert (assignments["101"].system, assignments["101"].illustrative) == ("opus", False)
    assert sum(not a.illustrative for a in assignments.values()) == 3


def test_every_row_of_the_registry_says_its_basis_and_public_rows_their_source() -> None:
    with DATA_FILE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter=";"))
    assert len(rows) == 98
    public = {r["kommunekode"]: r["kilde"] for r in rows if r["basis"] == "offentlig"}
    assert all(
        r["kilde"] == r["basis"] == "illustrativ" for r in rows if r["kommunekode"] not in public
    )
    assert set(public) == {"101", "561", "621"}
    assert "Økonomiudvalget" in public["101"] and "22.08.2018" in public["101"]
    assert "Opus Debitor" in public["101"]
    assert all("webinar" in public[k] for k in ("561", "621"))
    assert shipped_assignments()["101"].source == public["101"]
    assert shipped_assignments()["147"].source is None


def test_a_row_without_a_valid_basis_is_refused(tmp_path: Path, monkeypatch) -> None:
    bad = tmp_path / "tenants.csv"
    for body in ("101;opus;;\n", "101;opus;offentlig;\n", "101;opus;maybe;illustrativ\n"):
        bad.write_text("kommunekode;system;basis;kilde\n" + body, encoding="utf-8")
        monkeypatch.setattr(tenants_mod, "DATA_FILE", bad)
        shipped_assignments.cache_clear()
        try:
            with pytest.raises(ProfileError, match="kommune 101: basis"):
                shipped_assignments()
        finally:
            monkeypatch.undo()
            shipped_assignments.cache_clear()


def test_registry_overrides_from_config_and_persisted_patches(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    registry = TenantRegistry(store, {"101": {"system": "eg", "profile": {"text_max_length": 50}}})
    kk = registry.get("101")
    assert kk is not None and kk.system == "eg" and kk.profile.text_max_length == 50
    assert kk.illustrative and kk.source is None  # an overridden system is no longer the fact
    esbjerg = registry.by_cvr(kommuner.by_kode()["561"].cvr)
    assert esbjerg is not None and esbjerg.system == "prisme2009"
    patched = registry.patch(
        "561", {"callback_url": "http://127.0.0.1:9/cb", "profile": {"skift_haefter": True}}
    )
    assert patched.callback_url == "http://127.0.0.1:9/cb" and patched.profile.skift_haefter
    again = TenantRegistry(store)  # a restart reads the persisted patch
    assert again.get("561").callback_url == "http://127.0.0.1:9/cb"  # type: ignore[union-attr]
    with pytest.raises(ProfileError):
        registry.patch("561", {"system": "sap"})
    with pytest.raises(ProfileError):
        registry.patch("561", {"callback_url": "ftp://x"})
    assert registry.get("561").system == "prisme2009"  # type: ignore[union-attr]
    registry.patch("561", {"callback_url": None})
    assert registry.get("561").callback_url is None  # type: ignore[union-attr]
    store.close()


def test_docs_show_the_four_profiles_as_shipped() -> None:
    from simulators.profiles.table import markdown

    doc = (Path(__file__).parents[2] / "docs" / "profiles.md").read_text(encoding="utf-8")
    assert markdown() in doc
    for p in all_builtin().values():
        assert p.name in doc
        for key in p.assumed:
            assert f"`{key.split('.')[0]}" in doc  # every assumption is named in the text


def test_the_facts_ship_with_the_repository_not_read_from_outside_it() -> None:
    root = Path(__file__).parents[2]
    for package in ("debitorsim", "simulators", "integration", "oeir", "load"):
        for path in (root / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "../shared" not in text and "domain.md" not in text, path
    assert DATA_FILE.is_relative_to(root) and (root / "oeir" / "data" / "kommuner.csv").is_file()
