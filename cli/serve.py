"""``serve``, and the database plumbing commands ``migrate`` and ``db-url``."""

import argparse
import contextlib
import functools
import gc
import logging
import sys

from cli.demo import Demo, prepare_demo
from cli.listen import CannotListen, bind, port_number
from cli.runtime import run_with_clients
from core.migrations import upgrade
from core.servers import provide_servers, running_servers
from core.settings import Settings
from jobs.in_process_worker import worker_alongside


def serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from cli.announcing_server import AnnouncingServer
    from web.app import begin_shutdown, create_app
    from web.request_drain import SHUTDOWN_BACKSTOP_S
    from web.websocket_protocol import UVICORN_WS_OPTIONS

    host: str = args.host or settings.host
    port: int = settings.port if args.port is None else args.port
    try:
        sock = bind(host, port)  # before anything is started or printed: a busy port is one line
    except CannotListen as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with sock, provide_servers(settings, command="serve", may_attach=False) as urls:
        demo: Demo | None = None
        if urls.embedded:
            upgrade(urls.database_url)
            data_dir = settings.liftplan_data_dir.expanduser().resolve()
            demo = run_with_clients(urls, settings, lambda clients: prepare_demo(clients, data_dir))
        token, demo_program_id = (demo.token, demo.program_id) if demo else (None, None)
        worker = functools.partial(worker_alongside, settings, urls.database_url, urls.redis_url)
        alongside = [worker] if urls.embedded or settings.serve_worker else []
        app = create_app(
            settings, urls, alongside=alongside, demo_token=token, demo_program_id=demo_program_id
        )
        config = uvicorn.Config(
            app,
            log_config=None,
            lifespan="on",
            # the app cuts requests at the grace (web.request_drain); uvicorn's cut is the backstop
            timeout_graceful_shutdown=settings.api_shutdown_grace_s + SHUTDOWN_BACKSTOP_S,
            **UVICORN_WS_OPTIONS,
        )
        server = AnnouncingServer(
            config,
            banner(host, sock.getsockname()[1], token),
            before_shutdown=functools.partial(begin_shutdown, app),
        )
        # What exists by now lives as long as the process: kept out of the collector's full
        # passes, one during a large response holds the loop ~15 ms instead of ~55.
        gc.collect()
        gc.freeze()
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: uvicorn re-raises it once shut down
            server.run(sockets=[sock])
        if not server.started:
            return 3  # the app did not start (uvicorn logged why)
    # Printed once the embedded servers have stopped too: the last line of a Ctrl-C.
    print(f"stopped; data kept in {settings.liftplan_data_dir}" if urls.embedded else "stopped", flush=True)
    return 0


def banner(host: str, port: int, token: str | None) -> list[str]:
    base = f"http://{host}:{port}"
    lines = [f"liftplan serving on {base}/  (GraphiQL: {base}/graphql, ready: {base}/readyz)"]
    if token:
        lines.append(f"demo API token (admin, pre-filled in the page and GraphiQL): {token}")
    return lines


def migrate(settings: Settings, args: argparse.Namespace) -> int:
    # Its steps are what `migrate` is run for: shown at liftplan's level (alembic is third-party).
    logging.getLogger("alembic.runtime.migration").setLevel(settings.log_level)
    with provide_servers(settings, command="migrate", may_attach=True) as urls:
        upgrade(urls.database_url, args.revision)
    return 0


def db_url(settings: Settings, args: argparse.Namespace) -> int:
    urls = running_servers(settings)
    if urls is None:
        print(
            "no database: DATABASE_URL is unset and no embedded servers are running "
            f"in {settings.liftplan_data_dir} (start them with `liftplan serve`)",
            file=sys.stderr,
        )
        return 1
    print(urls.database_url)
    return 0


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser(
        "serve", help="serve the API (embedded PostgreSQL, Redis and a worker unless URLs are set)"
    )
    p.add_argument("--host", help="address to listen on (default: HOST, else 127.0.0.1)")
    p.add_argument(
        "--port", type=port_number, help="port to listen on; 0 for any free one (default: PORT, else 8000)"
    )
    p = sub.add_parser("migrate", help="upgrade the database schema")
    p.add_argument("revision", nargs="?", default="head", help="the alembic revision to upgrade to")
    sub.add_parser("db-url", help="print the database URL in use")


COMMANDS = {"serve": serve, "migrate": migrate, "db-url": db_url}
