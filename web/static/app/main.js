// Entry point: the token field, and a router for "/" and "/programs/<id>" (history API links).

import { config, getToken, setToken } from "./config.js";
import { h } from "./dom.js";
import { renderProgram } from "./program.js";
import { renderPrograms } from "./programs.js";

const main = document.getElementById("main");
let teardown = null;

function route({ focus = false } = {}) {
  if (teardown) teardown();
  teardown = null;
  const path = location.pathname;
  const program = path.match(/^\/programs\/(\d+)\/?$/);
  if (path === "/") {
    teardown = renderPrograms(main, { navigate });
  } else if (program) {
    teardown = renderProgram(main, program[1]);
  } else {
    main.replaceChildren(
      h("h1", {}, "Page not found"),
      h("p", {}, h("a", { href: "/", "data-link": "" }, "← Your programs")),
    );
  }
  if (focus) main.focus();
}

function navigate(path) {
  history.pushState(null, "", path);
  route({ focus: true });
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-link]");
  if (!link || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  if (link.getAttribute("href") !== location.pathname) navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", () => route({ focus: true }));

/** On phones the token form folds behind a button: open while there is no token, closed once one is saved. */
function tokenFold(form) {
  const header = form.closest(".site-header");
  const toggle = document.getElementById("token-toggle");
  const show = (open) => {
    header.dataset.tokenOpen = String(open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => {
    const open = header.dataset.tokenOpen !== "true";
    show(open);
    if (open) document.getElementById("token-input").focus();
  });
  show(!getToken());
  return show;
}

function tokenForm() {
  const form = document.getElementById("token-form");
  const input = document.getElementById("token-input");
  const demo = document.getElementById("use-demo-token");
  const fold = tokenFold(form);
  const refreshDemo = () => {
    demo.hidden = !config.demoToken || getToken() === config.demoToken;
  };
  input.value = getToken();
  refreshDemo();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    input.value = getToken();
    refreshDemo();
    fold(!getToken());
    route();
  });
  demo.addEventListener("click", () => {
    setToken("");
    input.value = getToken();
    refreshDemo();
    route();
  });
}

tokenForm();
route();
