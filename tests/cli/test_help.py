"""``liftplan --help`` and a subcommand's ``--help`` read as plain text: every argument explained,
defaults shown, no reStructuredText markup."""

import argparse
import subprocess
import sys
from pathlib import Path

from main import build_parser

ROOT = Path(__file__).resolve().parents[2]


def help_text(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "main.py", *args, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_top_help_is_plain_text_listing_every_command() -> None:
    text = help_text()

    assert "``" not in text
    words = " ".join(text.split())
    assert "strength-training programs" in words and "COMMAND --help" in words
    _parser, commands = build_parser()
    for name in commands:
        assert f"    {name}" in text, name


def test_a_subcommand_help_explains_its_positional_argument_and_shows_defaults() -> None:
    text = " ".join(help_text("repair-program").split())

    assert text.startswith("usage: liftplan repair-program")
    assert "re-enqueue every session of a program that is not generated" in text  # its summary
    assert "program_id the program's id" in text
    assert "give up following after this many seconds (default: 600.0)" in text
    assert "also retry FAILED sessions (default: True)" in text
    assert "(default: None)" not in text and "(default: False)" not in text
    assert "the alembic revision to upgrade to (default: head)" in " ".join(help_text("migrate").split())


def test_every_argument_of_every_subcommand_has_help() -> None:
    parser, _commands = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        assert command.description, name
        for action in command._actions:
            assert action.help, f"{name} {action.dest}"
