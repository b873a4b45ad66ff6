// Which cursor a resumed subscription may start after, without missing a change.
//
// sessionStatusChanged first sends a snapshot: one event per session, all with the same cursor.
// Resuming after that cursor is only safe once the whole snapshot arrived; a socket dropping
// halfway through it would otherwise lose the sessions not yet received. Live events each have
// their own cursor. So a cursor is kept once a later event carries another cursor, or once as
// many events as the program has sessions shared it (a whole snapshot). Resuming from an older
// cursor than necessary only replays a few changes, which setting a status twice makes harmless.

export function resumeCursor(sessionCount) {
  let safe = null; // resume after this one (null: start from a fresh snapshot)
  let current = null;
  let run = 0;
  return {
    get after() {
      return safe;
    },
    /** Call at every (re)subscription: a run never continues across two subscriptions. */
    restart() {
      current = null;
      run = 0;
    },
    seen(cursor) {
      if (cursor !== current) {
        if (current !== null) safe = current;
        current = cursor;
        run = 0;
      }
      run += 1;
      if (run >= sessionCount) safe = current;
    },
  };
}
