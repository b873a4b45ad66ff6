"""Freed memory is given back once nobody watches, and not while someone starts watching again."""

from tests.waiting import eventually
from web.idle_memory import MALLOC_TRIM, IdleMemoryRelease


async def test_a_scheduled_release_runs_once() -> None:
    release = IdleMemoryRelease(delay_s=0.05)
    release.schedule()
    release.schedule()  # rescheduling replaces the first
    control = IdleMemoryRelease(delay_s=0.2)  # scheduled later, runs later
    control.schedule()

    async def control_ran() -> bool:
        return control.releases == 1

    await eventually(control_ran, timeout=10, what="the control release")
    assert release.releases == 1


async def test_a_cancelled_release_never_runs() -> None:
    release = IdleMemoryRelease(delay_s=0.05)
    release.schedule()
    release.cancel()
    control = IdleMemoryRelease(delay_s=0.05)
    control.schedule()

    async def control_ran() -> bool:
        return control.releases == 1

    await eventually(control_ran, timeout=10, what="the control release")
    assert release.releases == 0


def test_this_c_library_can_trim() -> None:
    assert MALLOC_TRIM is not None  # glibc, as on the machines this runs on
    assert MALLOC_TRIM(0) in (0, 1)
