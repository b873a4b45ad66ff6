"""``worker`` and ``reconcile``."""

import argparse

from cli.runtime import Clients, run_with_clients
from core.servers import provide_servers
from core.settings import Settings
from jobs.reconciler import reconcile_sessions
from jobs.worker import build_worker
from services.status_events import StatusEventPublisher


def worker(settings: Settings, args: argparse.Namespace) -> int:
    with provide_servers(settings, command="worker", may_attach=True) as urls:
        build_worker(settings, urls.database_url, urls.redis_url, burst=args.burst).run()
    return 0


def reconcile(settings: Settings, args: argparse.Namespace) -> int:
    async def work(clients: Clients) -> str:
        publish = StatusEventPublisher(clients.arq, maxlen=settings.status_stream_maxlen)
        report = await reconcile_sessions(clients.factory, clients.arq, settings, notify=publish)
        return (
            f"{report.stale} stale sessions, {report.alive} with a live job; re-enqueued "
            f"{len(report.requeued)}, released {len(report.released)} lost jobs, failed {len(report.failed)}"
        )

    with provide_servers(settings, command="reconcile", may_attach=True) as urls:
        print(run_with_clients(urls, work))
    return 0


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("worker", help="run an arq generation worker (run as many as you like)")
    p.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    sub.add_parser("reconcile", help="re-enqueue sessions whose generation job was lost")


COMMANDS = {"worker": worker, "reconcile": reconcile}
