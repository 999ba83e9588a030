"""Shared fixtures: a real `ake serve` per test module and a fresh namespace per test."""

import os
import re
import shutil
import subprocess
import tempfile

import pytest
from kubernetes import client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AKE = os.environ.get("AKE_BINARY", os.path.join(ROOT, ".build", "debug", "ake"))


@pytest.fixture(scope="module")
def api_client():
    """Starts `ake serve` on a free port with a temp data dir; stops it afterwards."""
    data = tempfile.mkdtemp(prefix="ake-py-")
    proc = subprocess.Popen(
        [AKE, "serve", "--listen", "127.0.0.1:0", "--data-dir", os.path.join(data, "db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://[0-9.]+:[0-9]+", line)
        assert m, "ake did not print its URL: %r" % line
        cfg = client.Configuration()
        cfg.host = m.group(0)
        with client.ApiClient(cfg) as c:
            yield c
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def namespace(api_client, request):
    core = client.CoreV1Api(api_client)
    name = re.sub(r"[^a-z0-9-]", "-", request.node.name.lower())[:50].strip("-")
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    return name
