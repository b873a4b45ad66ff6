"""liftplan's one entry point: ``python main.py COMMAND`` (see ``--help``)."""

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import create_engine, create_session_factory
from core.logging_setup import configure_logging
from core.migrations import upgrade
from core.servers import DataDirInUse, provide_servers, running_servers
from core.settings import Settings, get_settings

log = logging.getLogger("liftplan")
T = TypeVar("T")


def run_with_database(
    database_url: str, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]
) -> T:
    """Run ``work`` with a session factory on a fresh event loop, disposing the engine after."""

    async def runner() -> T:
        engine = create_engine(database_url, pool_size=2)
        try:
            return await work(create_session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(runner())


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


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    from services.movement_library import seed_movement_library

    async def seed(factory: async_sessionmaker[AsyncSession]) -> str:
        async with factory() as db, db.begin():
            result = await seed_movement_library(db)
        return (
            f"movement library: {result.inserted} inserted, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )

    with provide_servers(settings, command="seed", may_attach=True) as urls:
        print(run_with_database(urls.database_url, seed))
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from jobs.worker import build_worker

    with provide_servers(settings, command="worker", may_attach=True) as urls:
        build_worker(settings, urls.database_url, urls.redis_url, burst=args.burst).run()
    return 0


def cmd_reconcile(settings: Settings, args: argparse.Namespace) -> int:
    from arq import create_pool
    from arq.connections import RedisSettings

    from jobs.reconciler import reconcile_sessions
    from services.status_events import StatusEventPublisher

    with provide_servers(settings, command="reconcile", may_attach=True) as urls:

        async def reconcile(factory: async_sessionmaker[AsyncSession]) -> str:
            pool = await create_pool(RedisSettings.from_dsn(urls.redis_url))
            try:
                report = await reconcile_sessions(
                    factory,
                    pool,
                    settings,
                    notify=StatusEventPublisher(pool, maxlen=settings.status_stream_maxlen),
                )
            finally:
                await pool.aclose()
            return (
                f"{report.stale} stale sessions, {report.alive} with a live job; "
                f"re-enqueued {len(report.requeued)}, failed {len(report.failed)}"
            )

        print(run_with_database(urls.database_url, reconcile))
    return 0


def cmd_export_schema(settings: Settings, args: argparse.Namespace) -> int:
    from schema.root import SDL_PATH, export_sdl

    SDL_PATH.write_text(export_sdl())
    print(f"wrote {SDL_PATH}")
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
    sub.add_parser("seed", help="load the curated movement library (idempotent)")
    worker = sub.add_parser("worker", help="run an arq generation worker (as many as you like)")
    worker.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    sub.add_parser("reconcile", help="re-enqueue sessions whose generation job was lost")
    sub.add_parser("export-schema", help="write the GraphQL SDL to schema.graphql")
    return parser


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "db-url": cmd_db_url,
    "seed": cmd_seed,
    "worker": cmd_worker,
    "reconcile": cmd_reconcile,
    "export-schema": cmd_export_schema,
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
