"""A generation worker that kills itself (SIGKILL) right after committing its first COMPLETE, before
its unit of work wakes the relay: the event is in PostgreSQL, and this process never sent it.

Run as ``python -m tests.faults.die_after_commit`` with DATABASE_URL and REDIS_URL set.
"""

import os
import signal
import sys

from main import main
from models import GenerationStatus
from services.unit_of_work import UnitOfWork

_after_commit = UnitOfWork._after_commit


async def _die_before_relaying(self: UnitOfWork) -> None:
    if any(event.status is GenerationStatus.COMPLETE for event in self.events):
        os.kill(os.getpid(), signal.SIGKILL)
    await _after_commit(self)


# The point of this module: every unit of work in this process runs the dying version.
UnitOfWork._after_commit = _die_before_relaying  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main(["worker"]))
