"""liftplan's one entry point: ``python main.py COMMAND`` (see ``--help``)."""

import argparse
import logging
import sys
from collections.abc import Callable

from core.logging_setup import configure_logging
from core.migrations import upgrade
from core.servers import DataDirInUse, provide_servers, running_servers
from core.settings import Settings, get_settings

log = logging.getLogger("liftplan")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from web.app import create_app

    with provide_servers(settings, command="serve", may_attach=False) as urls:
        if urls.embedded:
            upgrade(urls.database_url)
        app = create_app(settings, urls)
        print(f"liftplan serving on http://{settings.host}:{settings.port}/ (health: /healthz)", flush=True)
        uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, lifespan="on")
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    with provide_servers(settings, command="migrate", may_attach=True) as urls:
        upgrade(urls.database_url, args.revision)
    return 0


def cmd_db_url(settings: Settings, args: argparse.Namespace) -> int:
    urls = running_servers(settings)
    if urls is None:
        print(
            "no database: DATABASE_URL is unset and no embedded servers are running "
            f"in {settings.liftplan_data_dir} (start them with `main.py serve`)",
            file=sys.stderr,
        )
        return 1
    print(urls.database_url)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve the API (embedded PostgreSQL and Redis unless URLs are set)")
    migrate = sub.add_parser("migrate", help="upgrade the database schema")
    migrate.add_argument("revision", nargs="?", default="head")
    sub.add_parser("db-url", help="print the database URL in use")
    return parser


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "db-url": cmd_db_url,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level)
    try:
        return COMMANDS[args.command](settings, args)
    except DataDirInUse as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
