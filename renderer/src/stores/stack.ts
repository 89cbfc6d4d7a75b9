// Live state of the stack: status and supervisor events, kept current over the WebSocket.
// Every (re)connect first asks GET /status over HTTP: a browser cannot read a failed WebSocket
// handshake's status code, and that request is how we learn the dashboard has no token (401).
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { StatusResponse, SupervisorEvent, WsServerMessage } from '../../../server-core/contract/api.js';
import { ApiError, isUnauthorized } from '../api/http.js';
import type { LinkState } from '../api/live-socket.js';
import { LiveSocket } from '../api/live-socket.js';
import { fetchEvents, fetchStatus } from '../api/status.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

/** How many events the dashboard keeps; the server's default page is 100 too. */
export const EVENT_LIMIT = 100;

export type LoadProblem = { kind: 'network' } | { kind: 'api'; code: string; message: string };

function newestFirst(events: readonly SupervisorEvent[]): SupervisorEvent[] {
  return [...events].sort((a, b) => b.id - a.id).slice(0, EVENT_LIMIT);
}

export const useStackStore = defineStore('stack', () => {
  const status = shallowRef<StatusResponse | null>(null);
  /** Date.now() when `status` arrived: uptimes tick from there. */
  const statusReceivedAt = ref(0);
  const events = shallowRef<SupervisorEvent[]>([]);
  const connection = ref<ConnectionState>('connecting');
  const retryAt = ref<number | null>(null);
  const problem = ref<LoadProblem | null>(null);
  let everLive = false;

  function setStatus(next: StatusResponse): void {
    status.value = next;
    statusReceivedAt.value = Date.now();
  }

  function addEvent(ev: SupervisorEvent): void {
    if (events.value.some((e) => e.id === ev.id)) return;
    events.value = newestFirst([ev, ...events.value]);
  }

  function onMessage(msg: WsServerMessage): void {
    switch (msg.type) {
      case 'hello':
        setStatus(msg.status);
        events.value = newestFirst(msg.events);
        break;
      case 'status':
        setStatus(msg.status);
        break;
      case 'event':
        addEvent(msg.event);
        break;
      default:
        // metrics, log-lines: for the stores that asked (onLive).
        for (const l of liveListeners) l(msg);
    }
  }

  const liveListeners = new Set<(msg: WsServerMessage) => void>();
  /** Log lines reach this dashboard only while a topic is subscribed; re-sent on every reconnect. */
  const topics = new Set<'logs'>();

  /** Other stores' share of the live link. Returns an unsubscribe function. */
  function onLive(listener: (msg: WsServerMessage) => void): () => void {
    liveListeners.add(listener);
    return () => liveListeners.delete(listener);
  }

  function subscribeTopic(topic: 'logs'): void {
    topics.add(topic);
    socket.send({ type: 'subscribe', topics: [topic] });
  }

  function unsubscribeTopic(topic: 'logs'): void {
    topics.delete(topic);
    socket.send({ type: 'unsubscribe', topics: [topic] });
  }

  function onLinkState(state: LinkState, at: number | null): void {
    if (connection.value === 'unauthorized') return;
    retryAt.value = at;
    if (state === 'open') {
      everLive = true;
      connection.value = 'live';
      if (topics.size > 0) socket.send({ type: 'subscribe', topics: [...topics] });
    } else if (state === 'connecting' && !everLive) {
      connection.value = 'connecting';
    } else {
      connection.value = 'reconnecting';
    }
  }

  async function loadOverHttp(): Promise<boolean> {
    try {
      const [s, e] = await Promise.all([fetchStatus(), fetchEvents(EVENT_LIMIT)]);
      setStatus(s);
      events.value = newestFirst(e.events);
      problem.value = null;
      return true;
    } catch (err) {
      if (isUnauthorized(err)) {
        connection.value = 'unauthorized';
        retryAt.value = null;
        return false;
      }
      // An unreachable server is the connection banner's news; other answers (a 500, a refused Host) show on the page.
      problem.value = err instanceof ApiError ? { kind: 'api', code: err.code, message: err.message } : null;
      throw err;
    }
  }

  const socket = new LiveSocket({ onMessage, onState: onLinkState, beforeConnect: loadOverHttp });

  function start(): void {
    connection.value = everLive ? 'reconnecting' : 'connecting';
    socket.start();
  }

  function stop(): void {
    socket.stop();
  }

  /** From the unauthorized screen, after the user opened the tokened link in this browser. */
  function recheck(): void {
    socket.stop();
    connection.value = 'connecting';
    socket.start();
  }

  function retryNow(): void {
    socket.retryNow();
  }

  /** Milliseconds to add to server-reported uptimes. Frozen while the link is down: the data is stale. */
  function elapsedSinceStatus(now: number): number {
    return connection.value === 'live' ? Math.max(0, now - statusReceivedAt.value) : 0;
  }

  return {
    status,
    events,
    connection,
    retryAt,
    problem,
    start,
    stop,
    recheck,
    retryNow,
    elapsedSinceStatus,
    onLive,
    subscribeTopic,
    unsubscribeTopic,
  };
});
