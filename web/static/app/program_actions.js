// The program's own actions: "Regenerate unfinished" and (admins) "Repair". Each is disabled,
// with the reason in words beside it, when there is nothing left for it to do: "Regenerate
// unfinished" once every session is complete, "Repair" once every session is complete and holds
// exercises (a COMPLETE session without any is damaged, and Repair is what generates it again).

import { h, messageArea } from "./dom.js";
import { describe } from "./graphql.js";

const DONE_REASON = "Every session is complete: there is nothing to regenerate or repair.";
const NOTHING_UNFINISHED = "Every session is complete: there is nothing to regenerate.";

function damagedReason(n, canRepair) {
  const sessions = n === 1 ? "1 complete session has" : `${n} complete sessions have`;
  return `${sessions} no exercises: ${canRepair ? "Repair generates" : "an admin can repair"} ${n === 1 ? "it" : "them"}.`;
}

/**
 * @param {{regenerate: () => Promise<string>, repair: (() => Promise<string>) | null}} run
 *   each resolves to the message to show; ``repair`` is null for users who may not repair
 */
export function programActions(run) {
  const message = messageArea("action-message");
  const reason = h("p", { id: "actions-reason", class: "hint actions-reason", hidden: true });
  const buttons = [];
  // Why each button has nothing to do (null: it has), and the reason shown beside them.
  const idle = new Map();
  let shown = "";
  let busy = null;

  function refresh() {
    for (const button of buttons) {
      const why = idle.get(button);
      button.disabled = Boolean(why) || busy === button;
      if (why) {
        button.title = why;
        button.setAttribute("aria-describedby", reason.id);
      } else {
        button.removeAttribute("title");
        button.removeAttribute("aria-describedby");
      }
    }
    reason.textContent = shown;
    reason.hidden = !shown;
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

  const regenerate = action("Regenerate unfinished", "regenerate-unfinished", run.regenerate);
  const repair = run.repair ? action("Repair", "repair-program", run.repair) : null;
  const node = h("div", { class: "actions" }, regenerate, repair, message.node, reason);
  return {
    node,
    /**
     * The grid's statuses changed: enable or disable the actions to match.
     * @param {string[]} statuses every session's status
     * @param {number} damaged how many COMPLETE sessions hold no exercises
     */
    update(statuses, damaged = 0) {
      const finished = statuses.length > 0 && statuses.every((status) => status === "COMPLETE");
      if (!finished) {
        shown = "";
        idle.set(regenerate, null);
        if (repair) idle.set(repair, null);
      } else if (!damaged) {
        shown = DONE_REASON;
        idle.set(regenerate, DONE_REASON);
        if (repair) idle.set(repair, DONE_REASON);
      } else {
        shown = damagedReason(damaged, Boolean(repair));
        idle.set(regenerate, NOTHING_UNFINISHED);
        if (repair) idle.set(repair, null);
      }
      refresh();
    },
  };
}
