"""The README is kept true by tests derived from the code: every command and option."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from dashboard.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"
#: Documented once for every command that has it, above the table.
COMMON_OPTIONS = {"--db", "--help"}


def _leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield path, command


COMMANDS = dict(_leaves(typer.main.get_command(app)))


def command_rows(readme: str) -> dict[tuple[str, ...], str]:
    """The README's command table: each row's command words -> its first cell."""
    rows = {}
    for cell in re.findall(r"^\| `(iop [^`]*)`", readme, flags=re.MULTILINE):
        words = []
        for word in cell.split()[1:]:
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            words.append(word)
        rows[tuple(words)] = cell
    return rows


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_every_command_and_option_is_in_the_readme_table(path):
    row = command_rows(README.read_text(encoding="utf-8")).get(path)
    assert row is not None, f"README has no row for `iop {' '.join(path)}`"
    options = {
        flag
        for param in COMMANDS[path].params
        for flag in param.opts
        if flag.startswith("--") and flag not in COMMON_OPTIONS
    }
    missing = sorted(flag for flag in options if not re.search(rf"{flag}(?![\w-])", row))
    assert missing == [], f"`iop {' '.join(path)}` options missing from the README: {missing}"


def test_every_command_in_the_readme_table_exists():
    assert set(command_rows(README.read_text(encoding="utf-8"))) <= set(COMMANDS)


def test_the_common_options_are_documented_above_the_table():
    readme = README.read_text(encoding="utf-8")
    assert "take `--db URL`" in readme
    assert "Every command has `--help`." in readme


def test_the_table_check_finds_a_missing_option():
    rows = command_rows("| `iop score INPUT.csv [--out OUT.csv]` | scores |\n")
    assert rows == {("score",): "iop score INPUT.csv [--out OUT.csv]"}
    assert not re.search(r"--instruments(?![\w-])", rows["score",])
