#!/usr/bin/env python3
"""`ake status` end to end, with real processes: a standalone server, then an edge
(`ake serve --upstream <proxy>`) with its link online, cut (offline), and stopped (read from
its data directory). Each table is compared with a golden file in tools/golden/ after the
parts that change from run to run are replaced by placeholders (<TIME>, <DURATION>, <RV>,
<SIZE>, <PORT>, <DIR>, <N>, <TRAFFIC>); `-o json` is checked for the same facts.

    tools/node_status_e2e.py [path/to/ake]          # check
    tools/node_status_e2e.py [path/to/ake] --update  # rewrite the golden files

Everything listens on 127.0.0.1 with free ports, is bounded in time, and is cleaned up.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from akeprocs import Procs  # noqa: E402

ARGS = [a for a in sys.argv[1:] if a != "--update"]
UPDATE = "--update" in sys.argv
AKE = ARGS[0] if ARGS else os.path.join(ROOT, ".build", "debug", "ake")
GOLDEN = os.path.join(ROOT, "tools", "golden")

P = Procs("node status e2e", AKE)
fail, start_ake, until = P.fail, P.start_ake, P.until


def status(*args):
    r = subprocess.run([AKE, "status", *args], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail("ake status " + " ".join(args), r.stdout + r.stderr)
    return r.stdout


def normalize(text, tmp):
    text = text.replace(tmp, "<DIR>")
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<TIME>", text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<PORT>", text)
    text = re.sub(r"\b\d{13,}\b", "<RV>", text)
    text = re.sub(r"\b\d+(\.\d+)?(B|Ki|Mi|Gi|Ti)\b", "<SIZE>", text)
    text = re.sub(r"\(\d+%\)", "(<N>%)", text)
    text = re.sub(r"\b(\d+d)?(\d+h)?(\d+m)?\d+s\b", "<DURATION>", text)
    text = re.sub(r"\b\d+(\.\d+)?/s\b", "<N>/s", text)
    text = re.sub(r"<N>/s over the last minute, \d+ since start", "<N>/s over the last minute, <N> since start",
                  text)
    text = re.sub(r"WATCHES(\s+)\d+ open", r"WATCHES\1<N> open", text)
    text = re.sub(r"^(UPSTREAM TRAFFIC\s+).*$", r"\1<TRAFFIC>", text, flags=re.M)
    # Upstream errors are worded by the HTTP client and depend on timing: keep only that there is one.
    text = re.sub(r"upstream unreachable: .*$", "<ERROR>", text, flags=re.M)
    text = re.sub(r"^(LINK .*\(http://127\.0\.0\.1:<PORT>\)): .*$", r"\1: <ERROR>", text, flags=re.M)
    # Columns are padded to the widest raw value; the golden files keep two spaces between them.
    return "\n".join(re.sub(r" {2,}", "  ", line).rstrip() for line in text.splitlines()) + "\n"


def check_golden(name, text, tmp):
    got = normalize(text, tmp)
    path = os.path.join(GOLDEN, name)
    if UPDATE:
        with open(path, "w") as f:
            f.write(got)
        return
    with open(path) as f:
        want = f.read()
    if got != want:
        fail("golden " + name, "\n--- want\n%s--- got\n%s--- raw\n%s" % (want, got, text))


def main():
    tmp = tempfile.mkdtemp(prefix="ake-status-e2e-")
    try:
        # Standalone.
        alone_proc, alone = start_ake(os.path.join(tmp, "alone"), "--max-db-size", "256Mi")
        check_golden("status-standalone.txt", status("--server", alone), tmp)
        doc = json.loads(status("--server", alone, "-o", "json"))
        if doc["role"] != "standalone" or doc["database"]["quotaBytes"] != 256 << 20 or doc["link"] is not None:
            fail("standalone -o json", doc)
        P.stop(alone_proc, "standalone")

        # An edge, online.
        _, cloud = start_ake(os.path.join(tmp, "cloud"))
        for i in range(3):
            P.kubectl(cloud, "create", "configmap", "c%d" % i, "-n", "default", "--from-literal=k=v")
        proxy = P.proxy(cloud, max_seconds=300)
        edge_data = os.path.join(tmp, "edge")
        edge_proc, edge = start_ake(edge_data, "--upstream", proxy.url, "--sync", "configmaps/default",
                                    "--probe-interval", "1s", "--max-db-size", "1Gi")
        # The preloaded scope and the edge's own pinned CustomResourceDefinition scope.
        until("the edge's scopes synced", lambda: [
            sc["phase"] for sc in json.loads(status("--server", edge, "-o", "json"))["scopes"]] == ["synced"] * 2)
        until("the link online", lambda: json.loads(status("--server", edge, "-o", "json"))["link"]["state"]
              == "online")
        check_golden("status-edge-online.txt", status("--server", edge), tmp)

        # Cut: offline, still serving.
        proxy.ctl("cut")
        until("the link offline", lambda: json.loads(status("--server", edge, "-o", "json"))["link"]["state"]
              == "offline")
        check_golden("status-edge-offline.txt", status("--server", edge), tmp)

        # Stopped: from the data directory.
        P.stop(edge_proc, "edge")
        check_golden("status-edge-datadir.txt", status("--data-dir", edge_data), tmp)
        yaml_out = status("--data-dir", edge_data, "-o", "yaml")
        if "role: edge" not in yaml_out or "configmaps/default" not in yaml_out:
            fail("--data-dir -o yaml", yaml_out)
        print("node status e2e: OK" if not UPDATE else "node status e2e: golden files written")
    finally:
        P.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
