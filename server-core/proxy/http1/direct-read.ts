// Accepted plain-TCP client sockets that read into one shared buffer (net's `onread`) instead of
// through the socket's Readable. Node's default read path allocates a 64 KiB ArrayBuffer for every
// read, shrinks it into a new one (realloc + copy, external memory for the GC to track) and pushes
// it through the stream machinery to a 'data' listener; with `onread` the bytes land in a buffer we
// own and one small copy (from Buffer's 8 KiB pool below 4 KiB) goes straight to the reader.
// Measured on a bare keep-alive responder under wrk: ~4.0 → ~2.6 µs of user CPU per request.
//
// net.Server has no `onread` option (Node 20), so the listening handle's `onconnection` is wrapped:
// it builds the Socket as net's own does, with `onread` added. Where those internals are missing the
// server keeps its stock path (`acceptWithDirectReads` returns false) and everything reads via 'data'.
//
// A socket made here emits no 'data' while it has a reader. Without one (after `clearDirectReader`,
// e.g. a WebSocket tunnel taking the socket over) each read is pushed into its Readable, so 'data',
// pipe() and pause() behave as on any socket. pause()/resume() stop and restart reading in both
// cases (net.Socket handles `onread` sockets in both).
import { channel } from 'node:diagnostics_channel';
import { Socket, type Server, type SocketConstructorOpts } from 'node:net';

/** Gets a private copy of what was read: it may keep it. */
export type DirectReader = (chunk: Buffer) => void;

const READ_BUFFER_BYTES = 64 * 1024;
/** On a direct-read socket: where its reads go (a property, not a WeakMap: no table churn per connection). */
const kReaderSlot = Symbol('berth.directReader');
interface ReaderSlot {
  reader: DirectReader | null;
}
type DirectSocket = Socket & { [kReaderSlot]?: ReaderSlot };
let sharedReadBuffer: Buffer | null = null;
/** net's own accept publishes each socket here (for diagnostics tools); so does this one. */
const serverSocketChannel = channel('net.server.socket');

interface ListenHandle {
  onconnection?: (this: ListenHandle, err: number, clientHandle: ClientHandle | undefined) => void;
}
interface ClientHandle {
  setNoDelay?(on: boolean): void;
  close(): void;
}
interface ServerInternals {
  _handle?: ListenHandle | null;
  _connections?: number;
  allowHalfOpen?: boolean;
  maxConnections?: number;
}

/**
 * Wraps `server`'s accept so that, while `wanted()` says so, new connections are direct-read sockets,
 * announced through the server's usual 'connection' event. Call once the server is listening.
 * Returns false when this Node does not expose what it needs (the server is left as it was).
 */
export function acceptWithDirectReads(server: Server, wanted: () => boolean): boolean {
  const internals = server as unknown as ServerInternals;
  const handle = internals._handle;
  const stock = handle?.onconnection;
  if (!handle || typeof stock !== 'function' || typeof internals._connections !== 'number') return false;
  handle.onconnection = function (err, clientHandle) {
    // Errors, connection limits and unwanted sockets take net's own path.
    if (err || !clientHandle || !wanted() || (internals.maxConnections ?? 0) > 0) {
      stock.call(this, err, clientHandle);
      return;
    }
    const socket = directReadSocket(clientHandle, internals.allowHalfOpen === true);
    clientHandle.setNoDelay?.(true);
    // As net's onconnection: the server counts it (close() waits for it) and the socket uncounts itself.
    internals._connections = (internals._connections ?? 0) + 1;
    Object.assign(socket, { server, _server: server });
    server.emit('connection', socket);
    if (serverSocketChannel.hasSubscribers) serverSocketChannel.publish({ socket });
  };
  return true;
}

function directReadSocket(clientHandle: ClientHandle, allowHalfOpen: boolean): Socket {
  sharedReadBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const slot: ReaderSlot = { reader: null };
  const onread = {
    buffer: sharedReadBuffer,
    // The shared buffer is valid during this call only: the reader gets a copy.
    callback: (n: number, buf: Uint8Array): boolean => {
      const copy = Buffer.allocUnsafe(n);
      copy.set(n === buf.length ? buf : buf.subarray(0, n));
      const reader = slot.reader;
      if (reader !== null) {
        reader(copy);
        return true;
      }
      // No reader: through the Readable, with its back-pressure (false stops reading until read).
      return socket.push(copy);
    },
  };
  // `handle` is how net wraps an accepted handle, and `onread` works for any socket; neither is in
  // SocketConstructorOpts' typings.
  // noDelay: the socket knows the handle has it (set at accept), so setNoDelay(true) costs no second setsockopt.
  const options = { handle: clientHandle, allowHalfOpen, readable: true, writable: true, noDelay: true, onread };
  const socket: DirectSocket = new Socket(options as SocketConstructorOpts);
  socket[kReaderSlot] = slot;
  return socket;
}

/** Whether `socket` was accepted here (reads into the shared buffer). */
export function isDirectRead(socket: Socket): boolean {
  return (socket as DirectSocket)[kReaderSlot] !== undefined;
}

/** Makes `reader` take every read of a direct-read socket; false for any other socket (use 'data'). */
export function setDirectReader(socket: Socket, reader: DirectReader): boolean {
  const slot = (socket as DirectSocket)[kReaderSlot];
  if (slot === undefined) return false;
  slot.reader = reader;
  return true;
}

/** From now on the socket's reads go through its Readable ('data', pipe), as on any socket. */
export function clearDirectReader(socket: Socket): void {
  const slot = (socket as DirectSocket)[kReaderSlot];
  if (slot !== undefined) slot.reader = null;
}
