// The program page: weeks x days grid, progress per status, actions, and live updates.

import { socketUrl, getToken } from "./config.js";
import { resumeCursor } from "./cursor.js";
import { createDetails } from "./details.js";
import { h, humanize, statusIcon, STATUS, STATUSES } from "./dom.js";
import { buildGrid } from "./grid.js";
import { describe, request, unwrap } from "./graphql.js";
import { LiveSubscription } from "./live.js";
import { programActions } from "./program_actions.js";

const PROGRAM_QUERY = `
query ProgramPage($id: ID!) {
  viewer { role }
  program(id: $id) {
    id name goal level daysPerWeek weeks minutesPerSession
    microcycles { index phase sessions { id dayIndex scheduledDate focus generationStatus exerciseCount } }
  }
}`;

const WATCH = `
subscription Watch($programId: ID!, $after: String) {
  sessionStatusChanged(programId: $programId, after: $after) { sessionId status error cursor }
}`;

const REGENERATE = `
mutation Regenerate($programId: ID!, $sessionIds: [ID!], $includeComplete: Boolean!) {
  regenerateSessions(programId: $programId, sessionIds: $sessionIds, includeComplete: $includeComplete) {
    __typename
    ... on RegenerateSessionsSuccess { sessions { id } }
    ... on RegenerateSessionsError { code message field }
  }
}`;

const REPAIR = `
mutation Repair($programId: ID!) {
  repairProgram(programId: $programId) {
    __typename
    ... on RepairProgramSuccess { sessions { id } }
    ... on RepairProgramError { code message field }
  }
}`;

const COUNT_ATTRIBUTE = { PENDING: "countPending", IN_PROGRESS: "countInProgress", COMPLETE: "countComplete", FAILED: "countFailed" };

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Counts per status, a bar, and the same numbers as data-count-* attributes for scripts. */
function progressView() {
  const bar = h("div", { class: "bar", role: "progressbar", "aria-valuemin": 0, "aria-labelledby": "progress-title" });
  const segments = Object.fromEntries(STATUSES.map((s) => [s, h("span", { class: "segment", "data-status": s })]));
  bar.append(segments.COMPLETE, segments.FAILED, segments.IN_PROGRESS);
  const counts = Object.fromEntries(STATUSES.map((s) => [s, h("strong", {}, "0")]));
  const list = h(
    "ul",
    { class: "counts" },
    STATUSES.map((s) => h("li", { "data-status": s }, statusIcon(s), ` ${STATUS[s].label}: `, counts[s])),
  );
  const node = h("section", { id: "progress", class: "progress" }, h("h2", { id: "progress-title" }, "Generation"), bar, list);
  return {
    node,
    update(statuses) {
      const total = statuses.length;
      const tally = Object.fromEntries(STATUSES.map((s) => [s, statuses.filter((x) => x === s).length]));
      node.dataset.countTotal = total;
      for (const s of STATUSES) {
        node.dataset[COUNT_ATTRIBUTE[s]] = tally[s];
        counts[s].textContent = String(tally[s]);
        segments[s].style.width = total ? `${(100 * tally[s]) / total}%` : "0";
      }
      node.dataset.finished = String(tally.PENDING + tally.IN_PROGRESS === 0);
      bar.setAttribute("aria-valuemax", total);
      bar.setAttribute("aria-valuenow", tally.COMPLETE);
      bar.setAttribute("aria-valuetext", `${tally.COMPLETE} of ${plural(total, "session")} complete, ${tally.FAILED} failed`);
    },
  };
}

/** The banner shown while the live connection is down. */
function connectionBanner() {
  const node = h("div", { id: "connection-banner", class: "banner", role: "status", "aria-live": "polite", hidden: true });
  return {
    node,
    set(state, text = "") {
      node.dataset.state = state;
      node.hidden = !text;
      node.textContent = text;
    },
  };
}

function build(root, data) {
  const program = data.program;
  const programId = program.id;

  async function regenerate(sessionIds, includeComplete) {
    const result = unwrap(
      (await request(REGENERATE, { programId, sessionIds, includeComplete })).regenerateSessions,
      "RegenerateSessionsSuccess",
    );
    const n = result.sessions.length;
    return n ? `${plural(n, "session")} queued for generation.` : "Nothing to regenerate.";
  }

  const details = createDetails({ regenerate: (ids) => regenerate(ids, true) });
  const grid = buildGrid(program, (id, cell) => {
    grid.select(id);
    details.open(id, cell);
  });
  const progress = progressView();
  const banner = connectionBanner();
  const repair = async () => {
    const result = unwrap((await request(REPAIR, { programId })).repairProgram, "RepairProgramSuccess");
    const n = result.sessions.length;
    return n ? `Repair queued ${plural(n, "session")}.` : "Nothing to repair: every session is generated.";
  };
  const actions = programActions({
    regenerate: () => regenerate(null, false),
    repair: data.viewer.role === "ADMIN" ? repair : null,
  });
  // COMPLETE sessions without exercises (damaged): known from the page's query; a session leaves
  // the set once an event says it changed (a generation writes its exercises before COMPLETE).
  const empty = new Set(
    program.microcycles.flatMap((week) =>
      week.sessions.filter((s) => s.generationStatus === "COMPLETE" && s.exerciseCount === 0).map((s) => s.id),
    ),
  );
  const refresh = () => {
    const statuses = grid.statuses();
    progress.update(statuses);
    actions.update(statuses, empty.size);
  };

  root.replaceChildren(
    h("nav", { class: "crumbs" }, h("a", { href: "/", "data-link": "" }, "← Your programs")),
    h("h1", {}, program.name),
    h(
      "p",
      { class: "meta" },
      `${humanize(program.goal)} · ${humanize(program.level)} · ${plural(program.weeks, "week")} × `,
      `${plural(program.daysPerWeek, "day")} · ${program.minutesPerSession} min`,
    ),
    banner.node,
    progress.node,
    actions.node,
    h("div", { class: "program-layout" }, grid.node, details.node),
  );
  refresh();
  document.title = `${program.name} · liftplan`;

  const cursor = resumeCursor(grid.statuses().length);
  const live = new LiveSubscription({
    url: socketUrl(),
    token: getToken(),
    query: WATCH,
    variables() {
      cursor.restart();
      return { programId, after: cursor.after };
    },
    onData(payload) {
      const event = payload && payload.sessionStatusChanged;
      if (!event) return;
      cursor.seen(event.cursor);
      if (!grid.has(event.sessionId)) return;
      if (event.status !== "COMPLETE") empty.delete(event.sessionId);
      grid.setStatus(event.sessionId, event.status);
      refresh();
      details.statusChanged(event.sessionId);
    },
    onState(state) {
      banner.set(state, state === "disconnected" ? "Disconnected — reconnecting…" : "");
    },
    onFatal(error) {
      banner.set("stopped", `Live updates stopped: ${describe(error)}`);
    },
  });
  live.start();
  return () => live.stop();
}

/** Render /programs/<id> into ``root``; returns a function that tears it down. */
export function renderProgram(root, programId) {
  let teardown = null;
  let gone = false;
  root.replaceChildren(h("p", { class: "hint", role: "status" }, "Loading the program…"));
  request(PROGRAM_QUERY, { id: programId }).then(
    (data) => {
      if (!gone) teardown = build(root, data);
    },
    (error) => {
      if (gone) return;
      const text = error.code === "NOT_FOUND" ? `Program ${programId} was not found.` : describe(error);
      root.replaceChildren(
        h("h1", {}, "Program"),
        h("p", { class: "error", role: "alert", id: "page-error", "data-code": error.code }, text),
        h("p", {}, h("a", { href: "/", "data-link": "" }, "← Your programs")),
      );
    },
  );
  return () => {
    gone = true;
    if (teardown) teardown();
  };
}
