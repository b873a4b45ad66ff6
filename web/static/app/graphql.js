// GraphQL over HTTP: POST /graphql with the API token as a Bearer header.

import { config, getToken } from "./config.js";

export class ApiError extends Error {
  constructor(message, code = "ERROR", field = null) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

const MESSAGES = {
  UNAUTHENTICATED:
    "Your API token was not accepted (UNAUTHENTICATED). Paste a valid token in the API token field above and save it.",
  NETWORK: "Could not reach the liftplan server. Check that it is running, then try again.",
};

/** What to tell the reader about an error, in words. */
export function describe(error) {
  if (error instanceof ApiError && MESSAGES[error.code]) {
    if (error.code === "UNAUTHENTICATED" && !getToken()) {
      return "No API token yet: paste yours in the API token field above and save it.";
    }
    return MESSAGES[error.code];
  }
  return error && error.message ? error.message : String(error);
}

/** The first error of a GraphQL ``errors`` list as an ApiError. */
export function fromErrors(errors) {
  const first = (errors && errors[0]) || {};
  const code = (first.extensions && first.extensions.code) || "ERROR";
  return new ApiError(first.message || "The request failed.", code);
}

/** Run a query or mutation; resolve to ``data`` or reject with an ApiError. */
export async function request(query, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(config.graphqlPath, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError(MESSAGES.NETWORK, "NETWORK");
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server answered HTTP ${response.status}.`, "HTTP");
  }
  if (body.errors && body.errors.length) throw fromErrors(body.errors);
  if (!response.ok || !body.data) throw new ApiError(`The server answered HTTP ${response.status}.`, "HTTP");
  return body.data;
}

/** A mutation's union result: the success object, or an ApiError built from its error type (the
 * mutation's own outcome; a bad token, a rate limit or an outage is a top-level error, which
 * ``request`` throws, as for a query). */
export function unwrap(result, successType) {
  if (result && result.__typename === successType) return result;
  const error = new ApiError((result && result.message) || "The request failed.", result && result.code);
  error.field = (result && result.field) || null;
  throw error;
}
