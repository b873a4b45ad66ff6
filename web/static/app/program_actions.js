// The program's own actions: "Regenerate unfinished" and (admins) "Repair". Both are disabled,
// with the reason in words beside them, once every session is complete: there is nothing left
// for them to do.

import { h, messageArea } from "./dom.js";
import { describe } from "./graphql.js";

const DONE_REASON = "Every session is complete: there is nothing to regenerate or repair.";

/**
 * @param {{regenerate: () => Promise<string>, repair: (() => Promise<string>) | null}} run
 *   each resolves to the message to show; ``repair`` is null for users who may not repair
 */
export function programActions(run) {
  const message = messageArea("action-message");
  const reason = h("p", { id: "actions-reason", class: "hint actions-reason", hidden: true }, DONE_REASON);
  const buttons = [];
  let done = false;
  let busy = null;

  function refresh() {
    for (const button of buttons) {
      button.disabled = done || busy === button;
      if (done) {
        button.title = DONE_REASON;
        button.setAttribute("aria-describedby", reason.id);
      } else {
        button.removeAttribute("title");
        button.removeAttribute("aria-describedby");
      }
    }
    reason.hidden = !done;
  }

  function action(label, id, act) {
    const button = h("button", { type: "button", id }, label);
    button.addEventListener("click", async () => {
      busy = button;
      refresh();
      try {
        message.show(await act());
      } catch (error) {
        message.show(describe(error), "error");
      } finally {
        busy = null;
        refresh();
      }
    });
    buttons.push(button);
    return button;
  }

  const node = h(
    "div",
    { class: "actions" },
    action("Regenerate unfinished", "regenerate-unfinished", run.regenerate),
    run.repair ? action("Repair", "repair-program", run.repair) : null,
    message.node,
    reason,
  );
  return {
    node,
    /** The grid's statuses changed: enable or disable the actions to match. */
    update(statuses) {
      done = statuses.length > 0 && statuses.every((status) => status === "COMPLETE");
      refresh();
    },
  };
}
