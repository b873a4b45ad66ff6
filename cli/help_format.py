"""How ``liftplan`` and its subcommands print ``--help``: every default that means something shown."""

import argparse
from typing import Any


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """argparse's defaults formatter, minus ``(default: None)`` / ``(default: False)`` on flags and
    options whose absence says it all, and minus a second default where the help names one."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default in (None, False) or "default" in text:
            return action.help
        return super()._get_help_string(action)


class SubcommandParser(argparse.ArgumentParser):
    """For add_subparsers(parser_class=...): subcommands do not inherit their parent's formatter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
