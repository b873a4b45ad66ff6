// The weeks x days table of sessions: a real <table role="grid"> with one focusable cell at a
// time (roving tabindex), arrow keys / Home / End to move, Enter or Space (or a click) to open.

import { h, humanize, shortDate, statusBadge, STATUS } from "./dom.js";

function sessionCell(session, week) {
  const cell = h(
    "td",
    {
      class: "session",
      tabindex: -1,
      "aria-selected": "false",
      "data-session-id": session.id,
      "data-status": session.generationStatus,
      "data-week": week.index,
      "data-day": session.dayIndex,
    },
    h("span", { class: "session-focus" }, humanize(session.focus)),
    h("span", { class: "session-date" }, shortDate(session.scheduledDate)),
    statusBadge(session.generationStatus),
  );
  cell.title = `Week ${week.index}, day ${session.dayIndex}: ${humanize(session.focus)}`;
  return cell;
}

/**
 * @param {object} program with daysPerWeek and microcycles { index phase sessions { ... } }
 * @param {(id: string, cell: HTMLElement) => void} onOpen
 */
export function buildGrid(program, onOpen) {
  const days = Array.from({ length: program.daysPerWeek }, (_, i) => i + 1);
  const cells = new Map(); // session id -> <td>
  const rows = []; // rows[r][c] -> <td> or null, for keyboard moves

  const body = program.microcycles.map((week) => {
    const byDay = new Map(week.sessions.map((s) => [s.dayIndex, s]));
    const row = days.map((day) => {
      const session = byDay.get(day);
      if (!session) return null;
      const cell = sessionCell(session, week);
      cells.set(session.id, cell);
      return cell;
    });
    rows.push(row);
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, `Week ${week.index}`, h("span", { class: "phase" }, humanize(week.phase))),
      row.map((cell) => cell || h("td", { class: "no-session" }, "—")),
    );
  });

  const table = h(
    "table",
    { class: "grid", role: "grid", "aria-describedby": "grid-help" },
    h("caption", {}, "Sessions by week and day"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Week"), days.map((d) => h("th", { scope: "col" }, `Day ${d}`)))),
    h("tbody", {}, body),
  );
  const help = h(
    "p",
    { id: "grid-help", class: "hint" },
    "Arrow keys move between sessions; Enter or Space opens one.",
  );

  let active = rows.flat().find(Boolean) || null;
  if (active) active.tabIndex = 0;

  function position(cell) {
    for (let r = 0; r < rows.length; r += 1) {
      const c = rows[r].indexOf(cell);
      if (c !== -1) return [r, c];
    }
    return null;
  }

  function activate(cell, focus = true) {
    if (!cell) return;
    if (active) active.tabIndex = -1;
    active = cell;
    cell.tabIndex = 0;
    if (focus) cell.focus();
  }

  /** The nearest session cell from (r, c) stepping by (dr, dc), skipping empty days. */
  function step(r, c, dr, dc) {
    for (let rr = r + dr, cc = c + dc; rows[rr] && cc >= 0 && cc < days.length; rr += dr, cc += dc) {
      if (rows[rr][cc]) return rows[rr][cc];
    }
    return null;
  }

  function target(key, r, c, ctrl) {
    const all = rows.flat().filter(Boolean);
    switch (key) {
      case "ArrowRight": return step(r, c, 0, 1);
      case "ArrowLeft": return step(r, c, 0, -1);
      case "ArrowDown": return step(r, c, 1, 0);
      case "ArrowUp": return step(r, c, -1, 0);
      case "Home": return ctrl ? all[0] : rows[r].find(Boolean);
      case "End": return ctrl ? all[all.length - 1] : rows[r].filter(Boolean).pop();
      default: return undefined;
    }
  }

  table.addEventListener("keydown", (event) => {
    const cell = event.target.closest("td.session");
    if (!cell) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onOpen(cell.dataset.sessionId, cell);
      return;
    }
    const [r, c] = position(cell);
    const next = target(event.key, r, c, event.ctrlKey || event.metaKey);
    if (next === undefined) return;
    event.preventDefault();
    activate(next);
  });
  table.addEventListener("click", (event) => {
    const cell = event.target.closest("td.session");
    if (!cell) return;
    activate(cell);
    onOpen(cell.dataset.sessionId, cell);
  });

  return {
    node: h("div", { class: "grid-wrap" }, help, h("div", { class: "grid-scroll" }, table)),
    has: (id) => cells.has(id),
    cell: (id) => cells.get(id),
    /** Show a new status in place (and nothing else changes). */
    setStatus(id, status) {
      const cell = cells.get(id);
      if (!cell || !STATUS[status] || cell.dataset.status === status) return;
      cell.dataset.status = status;
      cell.querySelector(".status").replaceWith(statusBadge(status));
    },
    select(id) {
      for (const [key, cell] of cells) cell.setAttribute("aria-selected", String(key === id));
    },
    statuses: () => [...cells.values()].map((cell) => cell.dataset.status),
  };
}
