// A small graphql-transport-ws client for one subscription that survives dropped sockets:
// it reconnects with backoff and resubscribes with fresh variables (the caller's last cursor).

import { ApiError, fromErrors } from "./graphql.js";

const PROTOCOL = "graphql-transport-ws";
const ACK_TIMEOUT_MS = 5000;
const PING_EVERY_MS = 15000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 4000;
const RETRYABLE = new Set(["STREAM_INTERRUPTED", "INTERNAL_SERVER_ERROR", "INTERNAL", "RATE_LIMITED"]);
const UNAUTHORIZED_CLOSE = 4403;

function backoff(attempt) {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export class LiveSubscription {
  /**
   * @param {object} options
   * @param {string} options.url ws:// URL of the GraphQL endpoint
   * @param {string} options.token API token, sent in connection_init
   * @param {string} options.query the subscription document
   * @param {() => object} options.variables called at every (re)subscription
   * @param {(data: object) => void} options.onData each ``next`` payload's data
   * @param {(state: "connecting"|"connected"|"disconnected") => void} options.onState
   * @param {(error: ApiError) => void} options.onFatal the subscription gave up (bad token...)
   */
  constructor(options) {
    this.options = options;
    this.socket = null;
    this.operation = null;
    this.nextId = 0;
    this.attempt = 0;
    this.stopped = false;
    this.timers = new Set();
  }

  start() {
    this.options.onState("connecting");
    this.connect();
  }

  stop() {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    clearInterval(this.heartbeat);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      if (socket.readyState === WebSocket.OPEN && this.operation) {
        socket.send(JSON.stringify({ id: this.operation, type: "complete" }));
      }
      socket.close(1000, "page closed");
    }
  }

  later(fn, ms) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  connect() {
    const socket = new WebSocket(this.options.url, PROTOCOL);
    this.socket = socket;
    this.operation = null;
    socket.onopen = () => {
      const token = this.options.token;
      this.send({ type: "connection_init", payload: token ? { Authorization: `Bearer ${token}` } : {} });
      this.ackTimer = this.later(() => this.drop(socket), ACK_TIMEOUT_MS);
    };
    socket.onmessage = (event) => {
      if (socket === this.socket) this.receive(event.data);
    };
    socket.onclose = (event) => {
      if (socket === this.socket) this.lost(event.code);
    };
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  receive(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    const mine = message.id !== undefined && message.id === this.operation;
    switch (message.type) {
      case "connection_ack":
        clearTimeout(this.ackTimer);
        this.timers.delete(this.ackTimer);
        this.attempt = 0;
        this.startHeartbeat();
        this.subscribe();
        this.options.onState("connected");
        break;
      case "ping":
        this.send({ type: "pong" });
        break;
      case "pong":
        this.awaitingPong = false;
        break;
      case "next":
        if (!mine) break;
        if (message.payload.errors && message.payload.data == null) this.failed(message.payload.errors);
        else this.options.onData(message.payload.data);
        break;
      case "error":
        if (mine) this.failed(message.payload);
        break;
      case "complete": // the server ended the stream: start it again where we left off
        if (mine) this.resubscribeLater();
        break;
      default:
        break;
    }
  }

  subscribe() {
    this.operation = String(++this.nextId);
    const payload = { query: this.options.query, variables: this.options.variables() };
    this.send({ id: this.operation, type: "subscribe", payload });
  }

  resubscribeLater() {
    this.operation = null;
    this.later(() => this.subscribe(), backoff(this.attempt++));
  }

  failed(errors) {
    this.operation = null; // the server ended this operation
    const error = fromErrors(errors);
    if (RETRYABLE.has(error.code)) {
      this.resubscribeLater();
      return;
    }
    this.stop();
    this.options.onFatal(error);
  }

  startHeartbeat() {
    clearInterval(this.heartbeat);
    this.awaitingPong = false;
    const socket = this.socket;
    this.heartbeat = setInterval(() => {
      if (this.awaitingPong) {
        this.drop(socket); // no pong for a whole period: the link is dead
        return;
      }
      this.awaitingPong = true;
      this.send({ type: "ping" });
    }, PING_EVERY_MS);
  }

  /** Give up on a socket that stopped answering, without waiting for its closing handshake. */
  drop(socket) {
    if (socket !== this.socket) return;
    socket.onclose = null;
    socket.close();
    this.lost(1006);
  }

  lost(code) {
    clearInterval(this.heartbeat);
    clearTimeout(this.ackTimer);
    this.timers.delete(this.ackTimer);
    this.socket = null;
    this.operation = null;
    if (this.stopped) return;
    if (code === UNAUTHORIZED_CLOSE) {
      this.stopped = true;
      this.options.onFatal(new ApiError("The API token was refused for live updates.", "UNAUTHENTICATED"));
      return;
    }
    this.options.onState("disconnected");
    this.later(() => this.connect(), backoff(this.attempt++));
  }
}
