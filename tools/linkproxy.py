#!/usr/bin/env python3
"""A link-cutting TCP proxy for edge-sync tests (loopback only, bounded in time).

    linkproxy.py --listen 0 --target 127.0.0.1:PORT [--control 0] [--max-seconds 900] [--strip-gzip]

Prints one line `LISTEN <port> CONTROL <port>` on stdout once ready. The control port
takes one-line commands over TCP and answers `ok ...`:

    cut      drop every open connection and blackhole new ones (accepted, never
             forwarded, never answered: what a dead link looks like to a client)
    stall    a silent cut: open connections stay open but nothing more is forwarded
             (no reset, no answer: requests in flight hang), new ones are blackholed
    refuse   drop every open connection and refuse new ones (close at once)
    heal     forward again
    delay MS add MS milliseconds before forwarding each chunk (0 = none)
    stats    ok bytes_up=N bytes_down=N connections=N state=S requests=N
    requests ok {JSON}: per request class ("watch pods", "put leases", "get /version", ...)
             [requests, bytes up, bytes down]; a connection's bytes go to the class of the
             request last sent on it (HTTP/1.1 without pipelining, as Kubernetes clients speak)
    quit     stop the proxy

With --strip-gzip, `Accept-Encoding: gzip` in the client's requests is rewritten to
`Accept-Encoding: none` (same length, so nothing else changes): benchmarks use it to
measure what a link carries without compression.

With --stdin-control the same commands are read from stdin (one per line) and the
replies written to stdout; the proxy also exits when stdin closes. The proxy exits by
itself after --max-seconds so a crashed test cannot leave it behind.
"""
import argparse
import asyncio
import json
import re
import sys

LOOPBACK = "127.0.0.1"
REQUEST_LINE = re.compile(rb"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP/1\.[01]\r\n")


def request_class(method, target):
    """'watch pods', 'list services', 'patch pods/status', 'get /version': the verb and the
    resource (namespace and object names dropped) of one request line."""
    path, _, query = target.partition("?")
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 2:
        rest = parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        rest = parts[3:]
    else:
        return "%s %s" % (method.lower(), "/" + "/".join(parts[:2]))
    if len(rest) >= 2 and rest[0] == "namespaces" and len(rest) != 2:
        rest = rest[2:]
    if not rest:
        return "%s %s" % (method.lower(), "/" + "/".join(parts))
    resource, named, sub = rest[0], len(rest) >= 2, "/".join(rest[2:])
    verb = method.lower()
    if method == "GET":
        verb = "watch" if re.search(r"(^|&)watch=(true|1)", query) else ("get" if named else "list")
    return "%s %s%s" % (verb, resource, "/" + sub if sub else "")


GZIP_HEADER = re.compile(rb"(accept-encoding:[ \t]*)gzip", re.IGNORECASE)


class Proxy:
    def __init__(self, target_host, target_port, strip_gzip=False):
        self.target = (target_host, target_port)
        self.strip_gzip = strip_gzip
        self.state = "open"  # open | cut | refuse | stall
        self.delay = 0.0
        self.conns = set()  # (client_writer, upstream_writer or None)
        self.blackholed = set()
        self.bytes_up = 0
        self.bytes_down = 0
        self.total = 0
        self.requests = 0
        self.classes = {}  # class -> [requests, bytes up, bytes down]

    def count_up(self, conn, data):
        """Finds request lines in the bytes a client sent (keeping a tail for lines split
        across reads) and charges the bytes to the connection's current request class."""
        buf = conn["tail"] + data
        end = 0
        for m in REQUEST_LINE.finditer(buf):
            conn["class"] = request_class(m.group(1).decode(), m.group(2).decode("latin-1"))
            self.requests += 1
            self.classes.setdefault(conn["class"], [0, 0, 0])[0] += 1
            end = m.end()
        conn["tail"] = buf[max(end, len(buf) - 4096):]
        self.classes.setdefault(conn["class"], [0, 0, 0])[1] += len(data)

    def drop_all(self):
        for pair in list(self.conns):
            for w in pair:
                if w is not None:
                    try:
                        w.transport.abort()
                    except Exception:
                        pass
        self.conns.clear()

    async def pump(self, reader, writer, up, conn):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if self.state == "stall":
                    continue  # silently dropped: the peer waits for ever
                if self.state != "open":
                    break
                if self.delay:
                    await asyncio.sleep(self.delay)
                if up and self.strip_gzip:
                    data = GZIP_HEADER.sub(lambda m: m.group(1) + b"none", data)
                if up:
                    self.bytes_up += len(data)
                    self.count_up(conn, data)
                else:
                    self.bytes_down += len(data)
                    self.classes.setdefault(conn["class"], [0, 0, 0])[2] += len(data)
                writer.write(data)
                await writer.drain()
        except Exception:
            pass
        finally:
            try:
                writer.transport.abort()
            except Exception:
                pass

    async def handle(self, creader, cwriter):
        self.total += 1
        if self.state == "refuse":
            cwriter.transport.abort()
            return
        if self.state in ("cut", "stall"):
            # Blackhole: hold the connection, read and discard, never answer.
            self.blackholed.add(cwriter)
            try:
                while await creader.read(65536):
                    pass
            except Exception:
                pass
            finally:
                self.blackholed.discard(cwriter)
                cwriter.transport.abort()
            return
        try:
            ureader, uwriter = await asyncio.open_connection(*self.target)
        except Exception:
            cwriter.transport.abort()
            return
        pair = (cwriter, uwriter)
        self.conns.add(pair)
        try:
            conn = {"tail": b"", "class": "(no request yet)"}
            await asyncio.gather(self.pump(creader, uwriter, True, conn), self.pump(ureader, cwriter, False, conn))
        finally:
            self.conns.discard(pair)

    def command(self, parts):
        cmd = parts[0]
        if cmd == "cut":
            self.state = "cut"
            self.drop_all()
            return "ok cut"
        if cmd == "refuse":
            self.state = "refuse"
            self.drop_all()
            return "ok refuse"
        if cmd == "stall":
            self.state = "stall"
            return "ok stall"
        if cmd == "heal":
            if self.state == "stall":
                self.drop_all()  # they lost bytes: end them
            self.state = "open"
            for w in list(self.blackholed):
                w.transport.abort()
            return "ok heal"
        if cmd == "delay" and len(parts) == 2:
            self.delay = max(0.0, float(parts[1]) / 1000.0)
            return "ok delay"
        if cmd == "stats":
            return "ok bytes_up=%d bytes_down=%d connections=%d state=%s requests=%d" % (
                self.bytes_up, self.bytes_down, self.total, self.state, self.requests)
        if cmd == "requests":
            return "ok " + json.dumps(self.classes, sort_keys=True)
        return "error unknown command"

    async def stdin_control(self):
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                loop.stop()
                return
            parts = line.strip().split()
            if not parts:
                continue
            if parts[0] == "quit":
                print("ok quit", flush=True)
                loop.stop()
                return
            print(self.command(parts), flush=True)

    async def control(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                parts = line.decode().strip().split()
                if not parts:
                    continue
                if parts[0] == "quit":
                    writer.write(b"ok quit\n")
                    await writer.drain()
                    asyncio.get_running_loop().stop()
                    return
                reply = self.command(parts)
                writer.write((reply + "\n").encode())
                await writer.drain()
        finally:
            writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, default=0)
    ap.add_argument("--target", required=True)
    ap.add_argument("--control", type=int, default=0)
    ap.add_argument("--max-seconds", type=float, default=900)
    ap.add_argument("--stdin-control", action="store_true")
    ap.add_argument("--strip-gzip", action="store_true")
    a = ap.parse_args()
    host, port = a.target.rsplit(":", 1)
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("linkproxy: target must be loopback")
    proxy = Proxy(host, int(port), strip_gzip=a.strip_gzip)
    server = await asyncio.start_server(proxy.handle, LOOPBACK, a.listen)
    ctl = await asyncio.start_server(proxy.control, LOOPBACK, a.control)
    print("LISTEN %d CONTROL %d" % (server.sockets[0].getsockname()[1], ctl.sockets[0].getsockname()[1]), flush=True)
    if a.stdin_control:
        asyncio.get_running_loop().create_task(proxy.stdin_control())
    await asyncio.sleep(a.max_seconds)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except RuntimeError:
        pass  # loop stopped by `quit`
