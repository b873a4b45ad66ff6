"""``worker`` and ``reconcile``."""

import argparse
import asyncio
import contextlib

from cli.runtime import Clients, run_with_clients
from core.servers import provide_servers
from core.settings import Settings
from jobs.reconciler import reconcile_sessions
from jobs.worker import build_worker, wait_for_redis
from services.adapters.outages import Outages


async def run_worker(settings: Settings, database_url: str, redis_url: str, *, burst: bool) -> None:
    """Run a worker until SIGINT or SIGTERM, waiting for Redis first if it is not answering yet."""
    outages = Outages()
    pool = await wait_for_redis(redis_url, outages)
    worker = build_worker(settings, database_url, redis_url, burst=burst, outages=outages, redis_pool=pool)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await worker.async_run()
    finally:
        await worker.close()


def worker(settings: Settings, args: argparse.Namespace) -> int:
    with provide_servers(settings, command="worker", may_attach=True) as urls:
        asyncio.run(run_worker(settings, urls.database_url, urls.redis_url, burst=args.burst))
    return 0


def reconcile(settings: Settings, args: argparse.Namespace) -> int:
    async def work(clients: Clients) -> str:
        report = await reconcile_sessions(clients.units, clients.queue, settings)
        return (
            f"{report.stale} stale sessions, {report.alive} with a live job; re-enqueued "
            f"{len(report.requeued)}, released {len(report.released)} lost jobs, failed {len(report.failed)}"
        )

    with provide_servers(settings, command="reconcile", may_attach=True) as urls:
        print(run_with_clients(urls, settings, work))
    return 0


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("worker", help="run an arq generation worker (run as many as you like)")
    p.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    sub.add_parser("reconcile", help="re-enqueue sessions whose generation job was lost")


COMMANDS = {"worker": worker, "reconcile": reconcile}
