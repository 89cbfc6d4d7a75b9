"""Berth's built-in WSGI worker: one process of the `wsgi` runtime.

Stdlib only (Python >= 3.8). Speaks the uwsgi binary protocol on one socket
(https://uwsgi-docs.readthedocs.io/en/latest/Protocol.html): a 4-byte header
(modifier1, 16-bit little-endian size, modifier2), the CGI variables as
16-bit-length key/value pairs, then CONTENT_LENGTH bytes of body. The answer is
an HTTP/1.1 response and the connection closes after it, as uWSGI does.

The TypeScript master (server-core/appserver) runs processes x threads of this
worker, recycles it after max_requests, kills it on harakiri and reloads it
gracefully. It talks to the master on file descriptor 3, one line per fact:
  ready <pid>      listening and the app imported
  c <n>            requests served so far (at most once a second)
  r                max_requests reached: please start my replacement
  b <slot>/e <slot> a request began/ended in thread <slot> (only with --harakiri)
SIGTERM: stop accepting, finish the requests in flight, exit 0.

Exit code 78 (sysexits EX_CONFIG): the entry point cannot be loaded; restarting
cannot help until the user changes the config or the code.
"""

import argparse
import importlib
import io
import os
import queue
import signal
import socket
import struct
import sys
import threading
import time
import traceback

EX_CONFIG = 78


class Status:
    """Lines to the master on fd 3; silently off when fd 3 is not open."""

    def __init__(self):
        self.lock = threading.Lock()
        try:
            self.out = os.fdopen(3, "w", buffering=1)
        except OSError:
            self.out = None

    def send(self, line):
        if self.out is None:
            return
        with self.lock:
            try:
                self.out.write(line + "\n")
            except (OSError, ValueError):
                self.out = None


def load_app(entry):
    """`module:callable` (uwsgi `module`); the callable defaults to `application`."""
    module_name, _, attr = entry.partition(":")
    attr = attr or "application"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            sys.stderr.write(
                "berth-wsgi: cannot import the entry module %r: %s (working dir %s, python %s)\n"
                % (module_name, e, os.getcwd(), sys.executable)
            )
            sys.stderr.flush()
            sys.exit(EX_CONFIG)
        raise
    app = module
    for part in attr.split("."):
        app = getattr(app, part, None)
        if app is None:
            sys.stderr.write("berth-wsgi: module %r has no callable %r\n" % (module_name, attr))
            sys.stderr.flush()
            sys.exit(EX_CONFIG)
    if not callable(app):
        sys.stderr.write("berth-wsgi: %s is not callable\n" % entry)
        sys.stderr.flush()
        sys.exit(EX_CONFIG)
    return app


def recv_exact(conn, n):
    chunks = []
    while n > 0:
        data = conn.recv(min(n, 65536))
        if not data:
            raise ConnectionError("the client closed the connection early")
        chunks.append(data)
        n -= len(data)
    return b"".join(chunks)


def parse_vars(blob):
    env = {}
    i, end = 0, len(blob)
    while i + 2 <= end:
        (klen,) = struct.unpack_from("<H", blob, i)
        i += 2
        key = blob[i : i + klen].decode("latin-1")
        i += klen
        (vlen,) = struct.unpack_from("<H", blob, i)
        i += 2
        # PEP 3333: environ strings are "bytes as latin-1".
        env[key] = blob[i : i + vlen].decode("latin-1")
        i += vlen
    return env


class Input(io.RawIOBase):
    """wsgi.input: the request body, never reading past CONTENT_LENGTH."""

    def __init__(self, conn, length, head):
        self.conn = conn
        self.left = length
        self.buf = head

    def readable(self):
        return True

    def _fill(self, n):
        while len(self.buf) < n and self.left > 0:
            data = self.conn.recv(min(65536, self.left))
            if not data:
                self.left = 0
                break
            self.left -= len(data)
            self.buf += data

    def read(self, size=-1):
        if size is None or size < 0:
            self._fill(len(self.buf) + self.left)
            data, self.buf = self.buf, b""
            return data
        self._fill(size)
        data, self.buf = self.buf[:size], self.buf[size:]
        return data

    def readline(self, size=-1):
        while b"\n" not in self.buf and self.left > 0:
            self._fill(len(self.buf) + 1)
            if size >= 0 and len(self.buf) >= size:
                break
        nl = self.buf.find(b"\n")
        cut = len(self.buf) if nl < 0 else nl + 1
        if size is not None and size >= 0:
            cut = min(cut, size)
        data, self.buf = self.buf[:cut], self.buf[cut:]
        return data

    def readlines(self, hint=-1):
        return list(iter(self.readline, b""))

    def drain(self, limit=4 << 20):
        """Reads (and drops) the body the app left unread, up to `limit` bytes: closing with it
        unread makes the proxy's write of the body fail (EPIPE) and a finished answer (a CSRF 403
        that never looked at the form) turn into a 502."""
        try:
            self.conn.settimeout(2)
            while self.left > 0 and limit > 0:
                data = self.conn.recv(min(65536, self.left, limit))
                if not data:
                    break
                self.left -= len(data)
                limit -= len(data)
        except OSError:
            pass

    def __iter__(self):
        return iter(self.readline, b"")


class Worker:
    def __init__(self, args, app, listener, status):
        self.args = args
        self.app = app
        self.listener = listener
        self.status = status
        self.served = 0
        self.reported = 0
        self.recycle_asked = False
        self.stopping = False
        self.count_lock = threading.Lock()
        self.pid = os.getpid()

    def handle(self, conn, slot):
        try:
            head = recv_exact(conn, 4)
            modifier1, size, _modifier2 = struct.unpack("<BHB", head)
            blob = recv_exact(conn, size)
            if modifier1 != 0:
                conn.sendall(b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n")
                return
            env = parse_vars(blob)
            self.serve(conn, env, slot)
        except ConnectionError:
            pass
        except Exception:  # a bug here must not kill the worker
            traceback.print_exc()
        finally:
            try:
                conn.close()
            except OSError:
                pass
            self.count()

    def count(self):
        with self.count_lock:
            self.served += 1
            if self.args.max_requests and self.served >= self.args.max_requests and not self.recycle_asked:
                self.recycle_asked = True
                self.status.send("c %d" % self.served)
                self.status.send("r")

    def serve(self, conn, env, slot):
        try:
            length = int(env.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = Input(conn, length, b"")
        scheme = env.get("UWSGI_SCHEME") or env.get("REQUEST_SCHEME") or ("https" if env.get("HTTPS") in ("on", "1") else "http")
        env.update(
            {
                "wsgi.version": (1, 0),
                "wsgi.url_scheme": scheme,
                "wsgi.input": body,
                "wsgi.errors": sys.stderr,
                "wsgi.multithread": self.args.threads > 1,
                "wsgi.multiprocess": True,
                "wsgi.run_once": False,
                "wsgi.input_terminated": True,
            }
        )
        env.setdefault("SCRIPT_NAME", "")
        env.setdefault("PATH_INFO", "/")
        state = {"status": None, "headers": None, "sent": False}

        def start_response(status, headers, exc_info=None):
            if exc_info:
                try:
                    if state["sent"]:
                        raise exc_info[1].with_traceback(exc_info[2])
                finally:
                    exc_info = None
            elif state["status"] is not None:
                raise AssertionError("start_response was already called")
            state["status"] = status
            state["headers"] = headers
            return write

        def write(data):
            if state["status"] is None:
                raise AssertionError("write() before start_response()")
            if not state["sent"]:
                send_head()
            if data:
                conn.sendall(data)

        def send_head():
            lines = ["HTTP/1.1 %s" % state["status"]]
            for name, value in state["headers"]:
                lines.append("%s: %s" % (name, value))
            lines.append("Connection: close")
            conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            state["sent"] = True

        if self.args.harakiri:
            self.status.send("b %d" % slot)
        try:
            result = self.app(env, start_response)
            try:
                for chunk in result:
                    if chunk:
                        write(chunk)
                if not state["sent"]:
                    if state["status"] is None:
                        raise AssertionError("the app returned without calling start_response()")
                    send_head()
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception:
            sys.stderr.write("berth-wsgi: error in %s %s\n" % (env.get("REQUEST_METHOD"), env.get("REQUEST_URI")))
            traceback.print_exc()
            if not state["sent"]:
                body = b"Internal Server Error"
                conn.sendall(
                    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                    % (len(body), body)
                )
        finally:
            body.drain()
            if self.args.harakiri:
                self.status.send("e %d" % slot)
            sys.stderr.flush()

    def report_loop(self):
        parent = os.getppid()
        while not self.stopping:
            time.sleep(1)
            if os.getppid() != parent:
                # The master is gone: do not serve as an orphan.
                os._exit(0)
            with self.count_lock:
                n = self.served
            if n != self.reported:
                self.reported = n
                self.status.send("c %d" % n)

    def run(self):
        threading.Thread(target=self.report_loop, daemon=True).start()
        pool = None
        if self.args.threads > 1:
            pool = queue.Queue()
            threads = [threading.Thread(target=self.pool_loop, args=(pool, i), daemon=True) for i in range(self.args.threads)]
            for t in threads:
                t.start()
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                if self.stopping:
                    break
                continue
            if pool is None:
                self.handle(conn, 0)
            else:
                pool.put(conn)
        if pool is not None:
            for _ in threads:
                pool.put(None)
            for t in threads:
                t.join()
        with self.count_lock:
            self.status.send("c %d" % self.served)

    def pool_loop(self, pool, slot):
        while True:
            conn = pool.get()
            if conn is None:
                return
            self.handle(conn, slot)

    def stop(self, *_):
        if self.stopping:
            return
        self.stopping = True
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.listener.close()
        except OSError:
            pass
        if self.args.socket.startswith("unix:"):
            try:
                os.unlink(self.args.socket[5:])
            except OSError:
                pass


def listen(address):
    if address.startswith("unix:"):
        path = address[5:]
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket is for this user only
        try:
            s.bind(path)
        finally:
            os.umask(old)
    else:
        host, _, port = address.rpartition(":")
        host = host.strip("[]")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
    s.listen(1024)
    return s


def main():
    p = argparse.ArgumentParser(description="Berth WSGI worker (uwsgi protocol)")
    p.add_argument("--socket", required=True, help="unix:/path or host:port")
    p.add_argument("--module", required=True, help="module:callable")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--max-requests", type=int, default=0)
    p.add_argument("--harakiri", type=int, default=0)
    args = p.parse_args()
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    status = Status()
    app = load_app(args.module)
    listener = listen(args.socket)
    worker = Worker(args, app, listener, status)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    status.send("ready %d" % os.getpid())
    sys.stdout.flush()
    worker.run()


if __name__ == "__main__":
    main()
