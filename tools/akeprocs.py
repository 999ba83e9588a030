"""Process helpers shared by AKE's end-to-end scripts and benchmarks (tools/edge_e2e.py,
tools/edge_observability_e2e.py, tools/bench-edge.py, tools/bench-edge-kubelet-bytes.py): start `ake serve` on a free
loopback port, stop it, drive tools/linkproxy.py, run kubectl, wait for a condition.
Everything is bounded in time; `Procs.cleanup()` stops what was started.

    procs = Procs("edge e2e", ake_binary)
    _, cloud = procs.start_ake(data_dir)
    proxy = procs.proxy(cloud)
    ...
    procs.cleanup()
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Procs:
    """The processes and files one script started, and how it reports a failed step."""

    def __init__(self, label, ake):
        self.label = label
        self.ake = ake
        self.procs = []
        self.files = []

    def fail(self, step, detail):
        raise SystemExit("%s FAILED at %s: %s" % (self.label, step, detail))

    def start_ake(self, data, *extra, log=None, stderr=None):
        """Starts `ake serve` on a free port; returns (process, url). With `log` (a path)
        the server logs at info level to that file; otherwise at warning level to
        `stderr` (inherited when None) unless `extra` sets --log-level itself."""
        level = [] if "--log-level" in extra else ["--log-level", "info" if log else "warning"]
        if log:
            stderr = open(log, "a")
            self.files.append(stderr)
        p = subprocess.Popen([self.ake, "serve", "--listen", "127.0.0.1:0", "--data-dir", data, *level, *extra],
                             stdout=subprocess.PIPE, stderr=stderr, text=True)
        self.procs.append(p)
        deadline = time.time() + 60
        while time.time() < deadline:
            line = p.stdout.readline()
            if line.startswith("ake listening on "):
                return p, line.split()[-1]
            if not line and p.poll() is not None:
                break
        self.fail("starting ake " + " ".join(extra), "it exited or printed no listening line (rc=%s)" % p.poll())

    def stop(self, p, what, strict=True):
        """SIGTERM and a bounded wait; with `strict`, anything but a clean exit fails the step."""
        if p.poll() is not None and not strict:
            return
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)
            if strict:
                self.fail("stopping " + what, "no exit within 30 s of SIGTERM")
            return
        if strict and rc != 0:
            self.fail("stopping " + what, "exit code %d after SIGTERM" % rc)

    def proxy(self, target_url, max_seconds=900, extra=()):
        """tools/linkproxy.py in front of `target_url` (`extra`: more linkproxy flags)."""
        return Proxy(self, target_url, max_seconds, extra)

    def kubectl(self, server, *args, check=True, timeout="30s", stdin=None, flags=()):
        r = subprocess.run(["kubectl", "--server", server, "--request-timeout", timeout, *flags, *args],
                           capture_output=True, text=True, timeout=90, input=stdin)
        if check and r.returncode != 0:
            self.fail("kubectl " + " ".join(args), r.stderr.strip())
        return r

    def until(self, what, cond, seconds=30, interval=0.2):
        """Polls `cond` until it returns something truthy (returned) or `seconds` pass."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            v = cond()
            if v:
                return v
            time.sleep(interval)
        self.fail(what, "timed out after %s s" % seconds)

    def cleanup(self):
        """Stops every process started (newest first) and closes the log files."""
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(10)
        for f in self.files:
            f.close()


class Proxy:
    """A running tools/linkproxy.py, controlled over its stdin (cut, heal, stats, ...)."""

    def __init__(self, procs, target_url, max_seconds, extra=()):
        self.procs = procs
        port = target_url.rsplit(":", 1)[1]
        self.p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "linkproxy.py"), "--target",
                                   "127.0.0.1:" + port, "--stdin-control", "--max-seconds", str(max_seconds),
                                   *extra],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.procs.append(self.p)
        self.url = "http://127.0.0.1:%s" % self.p.stdout.readline().split()[1]

    def ctl(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        reply = self.p.stdout.readline().strip()
        if not reply.startswith("ok"):
            self.procs.fail("proxy " + cmd, reply or "no answer")
        return reply

    def down(self):
        """bytes_down so far (upstream → edge)."""
        fields = dict(kv.split("=") for kv in self.ctl("stats").split()[1:])
        return int(fields["bytes_down"])


class Client:
    """A keep-alive HTTP/1.1 JSON client to one server; a request that fails twice over or
    answers a code outside `expect` is reported with `fail(step, detail)` (`Procs.fail`)."""

    def __init__(self, url, fail, timeout=120):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.fail = fail
        self.timeout = timeout
        self.conn = None

    def exchange(self, method, path, body=None, expect=(200, 201), timeout=None):
        """Sends one request (reconnecting once; `timeout` applies to a new connection);
        returns (status, decoded body or None, body bytes)."""
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)
            try:
                self.conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (http.client.HTTPException, ConnectionError) as e:
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    self.fail("%s %s" % (method, path), repr(e))
        if r.status not in expect:
            self.fail("%s %s" % (method, path), "answered %d: %s" % (r.status, raw[:300].decode(errors="replace")))
        return r.status, (json.loads(raw) if raw else None), len(raw)

    def request(self, method, path, body=None, expect=(200, 201), timeout=None):
        """`exchange`'s decoded body alone."""
        return self.exchange(method, path, body, expect, timeout)[1]
