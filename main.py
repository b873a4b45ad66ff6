"""liftplan's one entry point, the ``liftplan`` console script: ``liftplan COMMAND`` (see ``--help``).

``python3 dev.py serve`` or ``test`` installs it as ``.venv/bin/liftplan``; ``python main.py`` runs the same.
"""

import argparse
import sys
from collections.abc import Callable

from cli import legacy_demo, library, programs, repair, serve, users, workers
from cli.help_format import HelpFormatter, SubcommandParser
from core.logging_setup import configure_logging
from core.servers import DataDirInUse
from core.settings import Settings, get_settings
from services.errors import DomainError

Command = Callable[[Settings, argparse.Namespace], int]
MODULES = (serve, library, workers, users, programs, repair, legacy_demo)
DESCRIPTION = (
    "liftplan: a GraphQL API and arq workers for generated strength-training programs. "
    "Without DATABASE_URL and REDIS_URL set, serve starts embedded PostgreSQL and Redis, and the other "
    "commands use those of a running serve (or start their own). "
    "Run liftplan COMMAND --help for a command's options."
)


def export_schema(settings: Settings, args: argparse.Namespace) -> int:
    from schema.root import SDL_PATH, export_sdl

    SDL_PATH.write_text(export_sdl())
    print(f"wrote {SDL_PATH}")
    return 0


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    parser = argparse.ArgumentParser(prog="liftplan", description=DESCRIPTION, formatter_class=HelpFormatter)
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=SubcommandParser
    )
    commands: dict[str, Command] = {}
    for module in MODULES:
        module.add_parsers(sub)
        commands.update(module.COMMANDS)
    sub.add_parser("export-schema", help="write the GraphQL SDL to schema.graphql")
    commands["export-schema"] = export_schema
    for choice in sub._choices_actions:  # a subcommand's --help opens with its one-line summary
        sub.choices[choice.dest].description = choice.help
    return parser, commands


def main(argv: list[str] | None = None) -> int:
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, settings.liftplan_log_format, settings.third_party_log_level)
    try:
        return commands[args.command](settings, args)
    except DataDirInUse as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except DomainError as exc:
        print(f"error ({exc.code}): {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
