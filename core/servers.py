"""Which PostgreSQL and Redis this process talks to: the configured ones, or embedded ones.

With ``DATABASE_URL`` and ``REDIS_URL`` set nothing is started. Otherwise the first process to
lock the data folder starts the embedded servers and records their URLs in ``servers.json``; a
second *owner* (another ``serve``) gets a clear error, while helper commands (``db-url``,
``migrate``, ``seed``...) may attach to the running owner's servers instead of starting their own.
"""

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from core.embedded_postgres import EmbeddedPostgres
from core.embedded_redis import EmbeddedRedis
from core.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerUrls:
    database_url: str
    redis_url: str
    embedded: bool  # True when this process started or attached to embedded servers


class DataDirInUse(RuntimeError):
    """Another live process owns the embedded servers of this data folder."""


def _owner_record(data_dir: Path) -> dict[str, object] | None:
    try:
        record = json.loads((data_dir / "servers.json").read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


@contextmanager
def _data_dir_lock(data_dir: Path) -> Iterator[IO[str] | None]:
    """Yield the held lock file, or None when another process holds it. The kernel frees the
    lock when the holder dies, so a killed owner never leaves the folder locked."""
    fh = (data_dir / "liftplan.lock").open("a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        try:
            yield fh
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    finally:
        fh.close()


@contextmanager
def provide_servers(settings: Settings, *, command: str, may_attach: bool) -> Iterator[ServerUrls]:
    """Yield the URLs to use for the life of the block, starting embedded servers if needed."""
    if settings.database_url and settings.redis_url:
        yield ServerUrls(settings.database_url, settings.redis_url, embedded=False)
        return

    data_dir = settings.liftplan_data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    with _data_dir_lock(data_dir) as lock, ExitStack() as stack:
        if lock is None:
            owner = _owner_record(data_dir)
            if may_attach and owner is not None:
                log.info("using the embedded servers of liftplan pid %s", owner.get("pid"))
                yield ServerUrls(
                    settings.database_url or str(owner["database_url"]),
                    settings.redis_url or str(owner["redis_url"]),
                    embedded=True,
                )
                return
            who = f"pid {owner.get('pid')} ({owner.get('command')})" if owner else "another process"
            raise DataDirInUse(
                f"the data folder {data_dir} is in use by liftplan {who}; stop it first, "
                "or set LIFTPLAN_DATA_DIR to another folder, or DATABASE_URL and REDIS_URL"
            )

        database_url = settings.database_url
        if database_url is None:
            postgres = EmbeddedPostgres(data_dir)
            stack.callback(postgres.stop)
            database_url = postgres.start()
        redis_url = settings.redis_url
        if redis_url is None:
            redis = EmbeddedRedis(data_dir)
            stack.callback(redis.stop)
            redis_url = redis.start()

        record_path = data_dir / "servers.json"
        record = {
            "pid": os.getpid(),
            "command": command,
            "database_url": database_url,
            "redis_url": redis_url,
        }
        record_path.write_text(json.dumps(record))
        stack.callback(record_path.unlink, missing_ok=True)
        yield ServerUrls(database_url, redis_url, embedded=True)


def running_servers(settings: Settings) -> ServerUrls | None:
    """The URLs in use without starting anything: configured ones, or a live owner's embedded ones."""
    if settings.database_url and settings.redis_url:
        return ServerUrls(settings.database_url, settings.redis_url, embedded=False)
    data_dir = settings.liftplan_data_dir.expanduser().resolve()
    if not data_dir.is_dir():
        return None
    with _data_dir_lock(data_dir) as lock:
        owner = _owner_record(data_dir) if lock is None else None
    if owner is None:
        return None
    return ServerUrls(
        settings.database_url or str(owner["database_url"]),
        settings.redis_url or str(owner["redis_url"]),
        embedded=True,
    )
