// The page's configuration (embedded by the server) and the API token kept in localStorage.

const TOKEN_KEY = "liftplan.token";

function readConfig() {
  const defaults = { demoToken: null, graphqlPath: "/graphql" };
  const node = document.getElementById("liftplan-config");
  try {
    return { ...defaults, ...JSON.parse(node ? node.textContent : "{}") };
  } catch {
    return defaults;
  }
}

export const config = readConfig();

function stored() {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled: the demo token (if any) still works
  }
}

/** The token typed by the user, or else the embedded demo's token, or "". */
export function getToken() {
  return stored() || config.demoToken || "";
}

export function setToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Nothing to do: the token then lasts until the page is closed.
  }
}

/** The GraphQL endpoint as a ws:// or wss:// URL. */
export function socketUrl() {
  const url = new URL(config.graphqlPath, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}
