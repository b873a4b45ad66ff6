// The session panel: the workout in order, or why generation failed, and a regenerate button.

import { h, humanize, messageArea, shortDate, statusBadge } from "./dom.js";
import { describe, request } from "./graphql.js";

const SESSION_QUERY = `
query SessionDetails($id: ID!) {
  session(id: $id) {
    id dayIndex scheduledDate focus generationStatus generationError
    exercises {
      position sets repsMin repsMax targetRpe targetPercent1rm restSeconds notes
      movement { name }
    }
  }
}`;

function reps(exercise) {
  const range = exercise.repsMin === exercise.repsMax ? exercise.repsMin : `${exercise.repsMin}–${exercise.repsMax}`;
  return `${exercise.sets} × ${range} reps`;
}

function rest(seconds) {
  if (seconds < 60) return `${seconds} s rest`;
  const s = seconds % 60;
  return `${Math.floor(seconds / 60)}:${String(s).padStart(2, "0")} rest`;
}

function exerciseItem(exercise) {
  const intensity = [
    exercise.targetPercent1rm != null ? `${exercise.targetPercent1rm}% 1RM` : null,
    exercise.targetRpe != null ? `RPE ${exercise.targetRpe}` : null,
  ].filter(Boolean);
  const facts = [reps(exercise), ...intensity, rest(exercise.restSeconds)];
  return h(
    "li",
    { class: "exercise", "data-position": exercise.position },
    h("span", { class: "exercise-name" }, exercise.movement.name),
    h("span", { class: "exercise-facts" }, facts.join(" · ")),
    exercise.notes ? h("span", { class: "exercise-notes" }, exercise.notes) : null,
  );
}

function workout(session) {
  const parts = [];
  if (session.generationStatus === "FAILED") {
    parts.push(
      h(
        "div",
        { class: "generation-error", "data-generation-error": "" },
        h("strong", {}, "Generation failed: "),
        session.generationError || "no reason was recorded.",
      ),
    );
  }
  const exercises = [...session.exercises].sort((a, b) => a.position - b.position);
  if (exercises.length) {
    parts.push(h("ol", { class: "exercises", "aria-label": "Exercises in order" }, exercises.map(exerciseItem)));
  } else if (session.generationStatus !== "FAILED") {
    parts.push(h("p", { class: "hint" }, "Not generated yet: the workout appears here once it is complete."));
  }
  return parts;
}

/**
 * Bring the panel into view, then the cell it was opened from (the stylesheet docks the panel
 * beside the grid on wide screens and at the bottom on narrow ones, and gives cells a scroll
 * margin clear of it), so both are on screen without jumping to the top of the page.
 */
function reveal(panel, cell) {
  panel.scrollIntoView({ block: "nearest" });
  if (cell && cell.isConnected) cell.scrollIntoView({ block: "nearest", inline: "nearest" });
}

/**
 * @param {{regenerate: (ids: string[]) => Promise<string>}} actions resolves to a message
 */
export function createDetails(actions) {
  const title = h("h2", { id: "session-details-title" }, "Session");
  const summary = h("p", { class: "details-summary" });
  const content = h("div", { class: "details-content" });
  const message = messageArea("session-details-message");
  const regenerate = h("button", { type: "button", id: "regenerate-session" }, "Regenerate this session");
  const close = h("button", { type: "button", class: "secondary", id: "close-details" }, "Close");
  const panel = h(
    "section",
    { id: "session-details", class: "details", "aria-labelledby": "session-details-title", tabindex: -1, hidden: true },
    h("div", { class: "details-head" }, title, close),
    summary,
    h("div", { class: "details-actions" }, regenerate, message.node),
    content,
  );

  let openId = null;
  let opener = null;
  let loads = 0;

  async function load({ opening = false } = {}) {
    const id = openId;
    const ticket = ++loads;
    let data;
    try {
      data = await request(SESSION_QUERY, { id });
    } catch (error) {
      if (ticket === loads) content.replaceChildren(h("p", { class: "error", role: "alert" }, describe(error)));
      return;
    }
    if (ticket !== loads || id !== openId) return; // an older answer, or another session by now
    const session = data.session;
    panel.dataset.status = session.generationStatus;
    summary.replaceChildren(
      statusBadge(session.generationStatus),
      ` · ${humanize(session.focus)} · ${shortDate(session.scheduledDate)}`,
    );
    content.replaceChildren(...workout(session));
    if (opening) reveal(panel, opener); // the workout made the panel taller
  }

  function hide() {
    openId = null;
    panel.hidden = true;
    delete panel.dataset.sessionId;
    if (opener && opener.isConnected) opener.focus();
  }

  regenerate.addEventListener("click", async () => {
    const id = openId;
    regenerate.disabled = true;
    message.show("Asking for a new workout…");
    try {
      message.show(await actions.regenerate([id]));
    } catch (error) {
      message.show(describe(error), "error");
    } finally {
      regenerate.disabled = false;
    }
  });
  close.addEventListener("click", hide);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") hide();
  });

  return {
    node: panel,
    get openId() {
      return openId;
    },
    open(id, cell) {
      opener = cell || null;
      const label = cell ? `Week ${cell.dataset.week}, day ${cell.dataset.day}` : "Session";
      if (openId !== id) {
        content.replaceChildren(h("p", { class: "hint" }, "Loading the workout…"));
        summary.replaceChildren();
        message.clear();
      }
      openId = id;
      title.textContent = label;
      panel.dataset.sessionId = id;
      panel.hidden = false;
      panel.focus({ preventScroll: true });
      reveal(panel, opener);
      load({ opening: true });
    },
    /** A status event arrived: refresh the panel when it concerns the open session. */
    statusChanged(id) {
      if (id === openId) load();
    },
    close: hide,
  };
}
