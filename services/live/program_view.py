"""A watched program's state in memory: every session as the log describes it up to ``seq``.

Loaded from PostgreSQL once, when the first watcher of the program in this process arrives
(``status_log.program_snapshot``), and kept current by applying each event of the log in order;
dropped with the feed when the last watcher leaves. New watchers start from it without a
database read, progress is counted from it once per event, and the recent events it keeps serve
short resumes from memory.
"""

from collections import deque
from dataclasses import replace

from models import GenerationStatus
from services.live.generation_progress import GenerationProgress
from services.live.status_log import ProgramSnapshot, StatusEvent

RECENT_EVENTS = 1000


class ProgramView:
    def __init__(self, snapshot: ProgramSnapshot) -> None:
        self.program_id = snapshot.program_id
        self.seq = snapshot.seq
        # Calendar order, as the snapshot came: a new watcher's first events keep it.
        self._sessions: dict[int, StatusEvent] = {event.session_id: event for event in snapshot.sessions}
        counts = {status: 0 for status in GenerationStatus}
        for event in snapshot.sessions:
            counts[event.status] += 1
        self._counts = counts
        self.progress = GenerationProgress(dict(counts))
        self._recent: deque[StatusEvent] = deque(maxlen=RECENT_EVENTS)

    def apply(self, event: StatusEvent) -> None:
        """Take in the next event of the log (``event.seq == seq + 1``)."""
        before = self._sessions.get(event.session_id)
        if before is not None:
            self._counts[before.status] -= 1
        self._counts[event.status] += 1
        self._sessions[event.session_id] = replace(event, snapshot=True)
        self.seq = event.seq
        self.progress = GenerationProgress(dict(self._counts))
        self._recent.append(event)

    def snapshot(self) -> ProgramSnapshot:
        """Every session's state now, as snapshot events at ``seq``."""
        return ProgramSnapshot(
            self.program_id,
            self.seq,
            [replace(event, seq=self.seq) for event in self._sessions.values()],
        )

    def events_after(self, seq: int) -> list[StatusEvent] | None:
        """The events after ``seq`` up to now, if the recent ones still reach back that far."""
        if seq >= self.seq:
            return []
        if not self._recent or self._recent[0].seq > seq + 1:
            return None
        return [event for event in self._recent if event.seq > seq]
