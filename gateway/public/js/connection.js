/**
 * One STOMP connection to /ws-chat for the whole app (window.StompJs, served by the gateway).
 * Reconnects by itself; everything that must survive a reconnect (room subscriptions, unsent
 * lines) registers an `onConnect` handler that runs on every (re)connect.
 */
export class StompFailure extends Error {
  constructor(code, message, details) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

const DISCONNECTED = 'disconnected';

export class ChatConnection {
  #client;
  #pending = new Map();
  #connectHandlers = new Set();
  #receiptSeq = 0;

  constructor({ token, onState, onServerError }) {
    this.onState = onState;
    this.onServerError = onServerError;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws-chat`;
    this.#client = new window.StompJs.Client({
      brokerURL: url,
      connectHeaders: { Authorization: `Bearer ${token}` },
      reconnectDelay: 1000,
      heartbeatIncoming: 10000,
      heartbeatOutgoing: 10000,
    });
    this.#client.onConnect = (frame) => {
      this.maxContentLength = positiveInteger(frame.headers['max-content-length']);
      this.onState('connected');
      for (const handler of this.#connectHandlers) handler();
    };
    this.#client.onStompError = (frame) => this.#serverError(frame);
    this.#client.onWebSocketClose = () => {
      this.#failPending(new StompFailure(DISCONNECTED, 'The connection closed before the server confirmed.'));
      if (this.#client.active) this.onState('reconnecting');
    };
  }

  /** The server's longest line in characters, from CONNECTED (null before, or from a server that does not say). */
  maxContentLength = null;

  get connected() {
    return this.#client.connected;
  }

  start() {
    this.onState('connecting');
    this.#client.activate();
  }

  async stop() {
    this.#connectHandlers.clear();
    await this.#client.deactivate();
  }

  /** Runs `handler` now if connected, and after every reconnect. Returns a function that stops it. */
  onConnect(handler) {
    this.#connectHandlers.add(handler);
    if (this.connected) handler();
    return () => this.#connectHandlers.delete(handler);
  }

  /** SEND with a receipt: resolves when the server has done it, rejects with a StompFailure naming the reason. */
  request(destination, body) {
    if (!this.connected) return Promise.reject(new StompFailure(DISCONNECTED, 'Not connected.'));
    const receipt = this.#nextReceipt();
    const done = this.#awaitReceipt(receipt);
    this.#client.publish({
      destination,
      body: JSON.stringify(body),
      headers: { receipt, 'content-type': 'application/json' },
    });
    return done;
  }

  /** SEND without waiting (typing, read marks): a refusal still comes back as a server error. */
  fire(destination, body) {
    if (!this.connected) return;
    this.#client.publish({
      destination,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  }

  /** SUBSCRIBE; `onRefused` gets a StompFailure if the server refuses it (e.g. not-a-member). */
  subscribe(destination, headers, onMessage, onRefused) {
    const receipt = this.#nextReceipt();
    this.#awaitReceipt(receipt).catch((failure) => {
      if (failure.code !== DISCONNECTED) onRefused?.(failure);
    });
    const subscription = this.#client.subscribe(
      destination,
      (frame) => onMessage(JSON.parse(frame.body), frame.headers),
      { ...headers, receipt },
    );
    return {
      unsubscribe: () => {
        if (this.connected) subscription.unsubscribe();
      },
    };
  }

  #nextReceipt() {
    this.#receiptSeq += 1;
    return `r-${this.#receiptSeq}`;
  }

  #awaitReceipt(receipt) {
    return new Promise((resolve, reject) => {
      this.#pending.set(receipt, { resolve, reject });
      this.#client.watchForReceipt(receipt, () => {
        this.#pending.delete(receipt);
        resolve();
      });
    });
  }

  #serverError(frame) {
    const failure = new StompFailure(
      frame.headers.code ?? 'error',
      frame.headers.message ?? 'The server refused the request.',
      frame.body,
    );
    const receipt = frame.headers['receipt-id'];
    const waiting = receipt ? this.#pending.get(receipt) : undefined;
    if (waiting) {
      this.#pending.delete(receipt);
      waiting.reject(failure);
    } else {
      this.onServerError(failure);
    }
  }

  #failPending(failure) {
    for (const [receipt, waiting] of this.#pending) {
      this.#pending.delete(receipt);
      waiting.reject(failure);
    }
  }
}

export const isDisconnect = (error) => error instanceof StompFailure && error.code === DISCONNECTED;

function positiveInteger(text) {
  const value = Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}
