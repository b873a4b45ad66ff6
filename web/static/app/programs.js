// "/": the viewer's programs, and the "New program" form (createProgram).

import { h, humanize, messageArea } from "./dom.js";
import { checkProgram, inFormWords, LABELS, RANGES } from "./form_checks.js";
import { describe, request, unwrap } from "./graphql.js";

const PROGRAMS_QUERY = `
query ProgramsPage {
  viewer { displayName role }
  programs(first: 100) {
    nodes { id name goal weeks daysPerWeek generationProgress { total complete failed finished } }
  }
}`;

const CREATE = `
mutation CreateProgram($input: CreateProgramInput!) {
  createProgram(input: $input) {
    __typename
    ... on CreateProgramSuccess { program { id } }
    ... on CreateProgramError { code message field }
  }
}`;

const GOALS = ["STRENGTH", "HYPERTROPHY", "GENERAL_FITNESS", "ENDURANCE"];
const LEVELS = ["BEGINNER", "INTERMEDIATE", "ADVANCED"];
const EQUIPMENT = ["BARBELL", "DUMBBELL", "KETTLEBELL", "CABLE", "MACHINE", "BANDS", "PULL_UP_BAR", "BENCH"];
const DEFAULT_EQUIPMENT = new Set(["BARBELL", "DUMBBELL", "BENCH", "PULL_UP_BAR"]);
const EQUIPMENT_LABELS = { PULL_UP_BAR: "Pull-up bar" }; // where humanize() is not the word
const NUMBERS = { daysPerWeek: 3, weeks: 8, minutesPerSession: 60 };

function programItem(program) {
  const p = program.generationProgress;
  const state = p.finished ? (p.failed ? `${p.failed} failed` : "ready") : "generating";
  return h(
    "li",
    { "data-program-id": program.id },
    h("a", { href: `/programs/${encodeURIComponent(program.id)}`, "data-link": "" }, program.name),
    h(
      "span",
      { class: "hint" },
      ` ${humanize(program.goal)} · ${program.weeks} wk × ${program.daysPerWeek} d · `,
      `${p.complete} of ${p.total} complete (${state})`,
    ),
  );
}

/** A labelled control with its own error line, tied together for screen readers. */
function field(name, label, control) {
  control.id = `field-${name}`;
  control.name = name;
  control.setAttribute("aria-describedby", `error-${name}`);
  return h(
    "div",
    { class: "field" },
    h("label", { for: control.id }, label),
    control,
    h("p", { class: "field-error", id: `error-${name}`, "data-error-for": name }),
  );
}

function select(values, chosen) {
  return h("select", {}, values.map((v) => h("option", { value: v, selected: v === chosen }, humanize(v))));
}

function numberInput(name) {
  const [min, max] = RANGES[name];
  return h("input", { type: "number", inputmode: "numeric", min, max, step: 1, value: NUMBERS[name] });
}

/** Every problem at once, named by the form's labels, in one announced summary. */
function errorSummary() {
  const node = h("div", { id: "form-errors", class: "form-errors", role: "alert", hidden: true });
  return {
    node,
    show(errors) {
      const heading = errors.length === 1 ? "Please fix this:" : `Please fix these ${errors.length} things:`;
      node.replaceChildren(h("strong", {}, heading), h("ul", {}, errors.map(([, message]) => h("li", {}, message))));
      node.hidden = false;
    },
    clear() {
      node.replaceChildren();
      node.hidden = true;
    },
  };
}

function programForm(navigate) {
  const formError = messageArea("form-error", "alert");
  const summary = errorSummary();
  const busy = messageArea("form-busy");
  const equipment = h(
    "fieldset",
    { class: "field equipment", "aria-describedby": "error-equipment" },
    h("legend", {}, "Equipment (bodyweight is always available)"),
    EQUIPMENT.map((e) =>
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "equipment", value: e, checked: DEFAULT_EQUIPMENT.has(e) }), ` ${EQUIPMENT_LABELS[e] || humanize(e)}`),
    ),
    h("p", { class: "field-error", id: "error-equipment", "data-error-for": "equipment" }),
  );
  const submit = h("button", { type: "submit" }, "Create program");
  const SUBMIT_LABEL = submit.textContent;
  const form = h(
    "form",
    { id: "new-program", class: "program-form", novalidate: true },
    field("name", LABELS.name, h("input", { type: "text", maxlength: 200, autocomplete: "off" })),
    h(
      "div",
      { class: "field-row" },
      field("goal", LABELS.goal, select(GOALS, "STRENGTH")),
      field("level", LABELS.level, select(LEVELS, "INTERMEDIATE")),
    ),
    h(
      "div",
      { class: "field-row" },
      field("daysPerWeek", LABELS.daysPerWeek, numberInput("daysPerWeek")),
      field("weeks", LABELS.weeks, numberInput("weeks")),
      field("minutesPerSession", LABELS.minutesPerSession, numberInput("minutesPerSession")),
    ),
    field("startDate", "Start date (optional)", h("input", { type: "date" })),
    equipment,
    summary.node,
    formError.node,
    submit,
    busy.node,
  );

  function showError(name, text) {
    const line = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    const control = form.elements.namedItem(name);
    if (!line) return false;
    line.textContent = text;
    if (control && control.setAttribute) control.setAttribute("aria-invalid", "true");
    return true;
  }

  function clearErrors() {
    formError.clear();
    summary.clear();
    for (const line of form.querySelectorAll(".field-error")) line.textContent = "";
    for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  }

  function showErrors(errors) {
    for (const [name, message] of errors) showError(name, message);
    summary.show(errors);
    const invalid = form.querySelector("[aria-invalid]");
    if (invalid) invalid.focus();
  }

  /** While the mutation is in flight (a 52-week program takes seconds): a busy, disabled button. */
  function setBusy(on, weeks) {
    submit.disabled = on;
    submit.setAttribute("aria-busy", String(on));
    form.setAttribute("aria-busy", String(on));
    submit.textContent = on ? "Creating program…" : SUBMIT_LABEL;
    if (on) busy.show(`Creating the program: ${weeks} weeks of sessions to lay out…`);
    else busy.clear();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    clearErrors();
    const { input, errors } = checkProgram(new FormData(form));
    if (errors.length) {
      showErrors(errors);
      return;
    }
    setBusy(true, input.weeks);
    try {
      const data = await request(CREATE, { input });
      const result = unwrap(data.createProgram, "CreateProgramSuccess");
      setBusy(false);
      navigate(`/programs/${result.program.id}`);
    } catch (error) {
      setBusy(false);
      if (error.field && LABELS[error.field]) showErrors([[error.field, inFormWords(error.field, describe(error))]]);
      else formError.show(describe(error), "error");
    }
  });
  return form;
}

/** Render "/" into ``root``; returns a teardown function. */
export function renderPrograms(root, { navigate }) {
  let gone = false;
  const list = h("div", { id: "program-list" }, h("p", { class: "hint", role: "status" }, "Loading your programs…"));
  root.replaceChildren(h("h1", {}, "Your programs"), list);
  document.title = "Your programs · liftplan";
  request(PROGRAMS_QUERY).then(
    (data) => {
      if (gone) return;
      const nodes = data.programs.nodes;
      list.replaceChildren(
        h("p", { class: "hint" }, `Signed in as ${data.viewer.displayName} (${humanize(data.viewer.role)}).`),
        nodes.length ? h("ul", { class: "programs" }, nodes.map(programItem)) : h("p", {}, "No programs yet."),
      );
      root.append(h("section", { "aria-labelledby": "new-program-title" }, h("h2", { id: "new-program-title" }, "New program"), programForm(navigate)));
    },
    (error) => {
      if (!gone) list.replaceChildren(h("p", { class: "error", role: "alert", id: "page-error", "data-code": error.code }, describe(error)));
    },
  );
  return () => {
    gone = true;
  };
}
