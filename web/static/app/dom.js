// Small DOM helpers. Text always goes in as text nodes: nothing from the API is parsed as HTML.

const SVG = "http://www.w3.org/2000/svg";

/** h("p", {class: "x", onclick: fn}, "text", child) — attributes, listeners, then children. */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      node.className = value;
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
}

/** Each status: its words, and an icon whose shape (not only its colour) tells it apart. */
export const STATUS = {
  PENDING: { label: "Pending", shape: [["circle", { cx: 8, cy: 8, r: 5.5, fill: "none" }]] },
  IN_PROGRESS: {
    label: "In progress",
    shape: [
      ["circle", { cx: 8, cy: 8, r: 5.5, fill: "none" }],
      ["path", { d: "M8 2.5 A5.5 5.5 0 0 1 8 13.5 Z", fill: "currentColor", stroke: "none" }],
    ],
  },
  COMPLETE: { label: "Complete", shape: [["path", { d: "M3 8.5 6.5 12 13 4.5", fill: "none" }]] },
  FAILED: { label: "Failed", shape: [["path", { d: "M4 4 12 12 M12 4 4 12", fill: "none" }]] },
};
export const STATUSES = Object.keys(STATUS);

export function statusIcon(status) {
  const svg = document.createElementNS(SVG, "svg");
  for (const [key, value] of Object.entries({
    viewBox: "0 0 16 16", width: 16, height: 16, "aria-hidden": "true", focusable: "false",
    class: "status-icon", stroke: "currentColor", "stroke-width": 2, "stroke-linecap": "round",
  })) svg.setAttribute(key, String(value));
  for (const [tag, attributes] of (STATUS[status] || STATUS.PENDING).shape) {
    const part = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) part.setAttribute(key, String(value));
    svg.append(part);
  }
  return svg;
}

/** Icon plus words: readable without colour and by screen readers. */
export function statusBadge(status) {
  const label = STATUS[status] ? STATUS[status].label : String(status);
  return h("span", { class: "status", "data-status": status }, statusIcon(status), h("span", {}, label));
}

/** "GENERAL_FITNESS" -> "General fitness". */
export function humanize(value) {
  const words = String(value).toLowerCase().replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "2026-12-07" -> "Mon 7 Dec" in the reader's locale. */
export function shortDate(iso) {
  const date = new Date(`${iso}T00:00:00`);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
}

/** A message area announced politely (role=status) or at once (role=alert). */
export function messageArea(id, role = "status") {
  const node = h("p", { id, class: "message", role, hidden: true });
  return {
    node,
    show(text, kind = "info") {
      node.textContent = text;
      node.dataset.kind = kind;
      node.hidden = !text;
    },
    clear() {
      node.textContent = "";
      node.hidden = true;
    },
  };
}
