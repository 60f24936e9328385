"""`debitorsim --help` lists each command once with an example; every option explains itself."""

from __future__ import annotations

import argparse
import re

import pytest

from debitorsim.cli import COMMANDS, build_parser, main


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def test_top_level_help_lists_each_command_once_with_an_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in COMMANDS:
        listed = re.findall(rf"^  {re.escape(command.NAME)}\s", out, re.M)
        assert len(listed) == 1, (command.NAME, out)
        assert command.EXAMPLE.startswith(f"debitorsim {command.NAME}")
        assert f"e.g. {command.EXAMPLE}" in out
    assert set(_subparsers(build_parser())) == {c.NAME for c in COMMANDS}


@pytest.mark.parametrize("name", [c.NAME for c in COMMANDS])
def test_every_option_has_help_text_and_shows_its_default(name: str) -> None:
    sub = _subparsers(build_parser())[name]
    formatter = sub._get_formatter()
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        what = f"{name} {'/'.join(action.option_strings) or action.dest}"
        assert action.help and len(action.help) > 5, f"{what}: no help text"
        shown = formatter._expand_help(action) if action.help else ""
        if action.default not in (None, False, [], ""):
            assert "default" in shown, f"{what}: the default {action.default!r} is not shown"
    assert f"debitorsim {name}" in (sub.epilog or ""), f"{name}: no example"


def test_token_from_the_environment_is_never_printed_in_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEBITORSIM_ADMIN_TOKEN", "s3cret-token-value")
    for name in ("clock", "reset", "reconcile"):
        with pytest.raises(SystemExit):
            main([name, "--help"])
        assert "s3cret-token-value" not in capsys.readouterr().out
