"""The official Python client (`pip install kubernetes`) against a real `ake serve`.

Run: python3 -m pytest tests/python (after `swift build`; AKE_BINARY overrides the binary).
"""

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from kubernetes import client, dynamic, utils, watch
from kubernetes.client.rest import ApiException


def test_configmap_crud(api_client, namespace):
    core = client.CoreV1Api(api_client)
    cm = core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c1", labels={"a": "b"}), data={"k": "v"})
    )
    assert cm.metadata.uid and cm.metadata.resource_version and cm.metadata.creation_timestamp
    got = core.read_namespaced_config_map("c1", namespace)
    assert got.data == {"k": "v"}
    got.data["k"] = "w"
    updated = core.replace_namespaced_config_map("c1", namespace, got)
    assert int(updated.metadata.resource_version) > int(cm.metadata.resource_version)
    patched = core.patch_namespaced_config_map("c1", namespace, {"data": {"x": "y"}})
    assert patched.data == {"k": "w", "x": "y"}
    # A stale update is a 409 Conflict.
    with pytest.raises(ApiException) as e:
        core.replace_namespaced_config_map("c1", namespace, got)
    assert e.value.status == 409
    names = [i.metadata.name for i in core.list_namespaced_config_map(namespace).items]
    assert names == ["c1"]
    core.delete_namespaced_config_map("c1", namespace)
    with pytest.raises(ApiException) as e:
        core.read_namespaced_config_map("c1", namespace)
    assert e.value.status == 404


def test_writes_record_update_managed_fields(api_client, namespace):
    """The client's User-Agent (OpenAPI-Generator/...) names the Update manager; field_manager overrides it."""
    core = client.CoreV1Api(api_client)
    cm = core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="owned"), data={"a": "1", "b": "1"})
    )
    [created] = cm.metadata.managed_fields
    assert (created.manager, created.operation, created.api_version) == ("OpenAPI-Generator", "Update", "v1")
    assert created.fields_type == "FieldsV1" and created.time is not None
    assert created.fields_v1 == {"f:data": {"f:a": {}, "f:b": {}}}
    patched = core.patch_namespaced_config_map("owned", namespace, {"data": {"a": "2"}}, field_manager="py-patcher")
    owners = {e.manager: e.fields_v1 for e in patched.metadata.managed_fields}
    assert owners == {"OpenAPI-Generator": {"f:data": {"f:b": {}}}, "py-patcher": {"f:data": {"f:a": {}}}}


def test_service_and_secret_crud(api_client, namespace):
    core = client.CoreV1Api(api_client)
    svc = client.V1Service(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(port=80, target_port=8080)]),
    )
    core.create_namespaced_service(namespace, svc)
    got = core.read_namespaced_service("web", namespace)
    assert got.spec.ports[0].port == 80 and got.spec.ports[0].target_port == 8080
    core.patch_namespaced_service("web", namespace, {"metadata": {"labels": {"tier": "front"}}})
    assert core.read_namespaced_service("web", namespace).metadata.labels == {"tier": "front"}
    core.delete_namespaced_service("web", namespace)

    core.create_namespaced_secret(
        namespace, client.V1Secret(metadata=client.V1ObjectMeta(name="s"), type="Opaque", data={"t": "YWJj"})
    )
    assert core.read_namespaced_secret("s", namespace).data == {"t": "YWJj"}
    secrets = core.list_namespaced_secret(namespace, field_selector="type=Opaque").items
    assert [s.metadata.name for s in secrets] == ["s"]
    core.delete_namespaced_secret("s", namespace)


def test_namespace_crud(api_client):
    core = client.CoreV1Api(api_client)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="ns-crud", labels={"x": "1"})))
    assert "ns-crud" in [n.metadata.name for n in core.list_namespace(label_selector="x=1").items]
    core.patch_namespace("ns-crud", {"metadata": {"labels": {"x": "2"}}})
    assert core.read_namespace("ns-crud").metadata.labels["x"] == "2"
    core.delete_namespace("ns-crud")


def test_list_then_watch_sees_exactly_later_events(api_client, namespace):
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="before")))
    listed = core.list_namespaced_config_map(namespace)
    rv = listed.metadata.resource_version
    core.create_namespaced_config_map(namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="after")))
    core.patch_namespaced_config_map("after", namespace, {"data": {"a": "1"}})
    core.delete_namespaced_config_map("after", namespace)
    seen = []
    w = watch.Watch()
    for ev in w.stream(core.list_namespaced_config_map, namespace, resource_version=rv, timeout_seconds=10):
        seen.append((ev["type"], ev["object"].metadata.name))
        if len(seen) == 3:
            w.stop()
    assert seen == [("ADDED", "after"), ("MODIFIED", "after"), ("DELETED", "after")]


def test_delete_collection_with_label_selector(api_client, namespace):
    core = client.CoreV1Api(api_client)
    for name, team in [("a", "red"), ("b", "red"), ("c", "blue")]:
        core.create_namespaced_config_map(
            namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels={"team": team}))
        )
    core.delete_collection_namespaced_config_map(namespace, label_selector="team=red")
    assert [i.metadata.name for i in core.list_namespaced_config_map(namespace).items] == ["c"]


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "gadgets.example.org"},
    "spec": {
        "group": "example.org",
        "scope": "Namespaced",
        "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            }
        ],
    },
}


def test_dynamic_client_on_crd(api_client, namespace):
    dyn = dynamic.DynamicClient(api_client)
    crds = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    crds.create(body=CRD)
    gadgets = None
    for _ in range(50):  # discovery picks the new resource up after registration
        try:
            dyn.resources.invalidate_cache()
            gadgets = dyn.resources.get(api_version="example.org/v1", kind="Gadget")
            break
        except Exception:
            time.sleep(0.1)
    assert gadgets is not None
    body = {"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "g1"}, "spec": {"n": 1}}
    created = gadgets.create(body=body, namespace=namespace)
    assert created.metadata.name == "g1"
    patched = gadgets.patch(
        name="g1", namespace=namespace, body={"spec": {"n": 2}}, content_type="application/merge-patch+json"
    )
    assert patched.spec.n == 2
    assert [i.metadata.name for i in gadgets.get(namespace=namespace).items] == ["g1"]
    gadgets.delete(name="g1", namespace=namespace)
    crds.delete(name="gadgets.example.org")


def test_create_from_yaml_multi_document(api_client, namespace, tmp_path):
    f = tmp_path / "multi.yaml"
    f.write_text(
        """apiVersion: v1
kind: ConfigMap
metadata: {name: y1}
data: {a: "1"}
---
apiVersion: v1
kind: Secret
metadata: {name: y2}
stringData: {b: "2"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: y3}
spec:
  selector: {matchLabels: {app: y3}}
  template:
    metadata: {labels: {app: y3}}
    spec: {containers: [{name: c, image: busybox}]}
"""
    )
    utils.create_from_yaml(api_client, str(f), namespace=namespace)
    core = client.CoreV1Api(api_client)
    assert core.read_namespaced_config_map("y1", namespace).data == {"a": "1"}
    assert core.read_namespaced_secret("y2", namespace).metadata.name == "y2"
    assert client.AppsV1Api(api_client).read_namespaced_deployment("y3", namespace).spec.template.spec.containers[0].image == "busybox"


def test_informer_syncs_and_follows_changes(api_client, namespace):
    informer_mod = pytest.importorskip("kubernetes.informer")
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="i1")))
    inf = informer_mod.SharedInformer(core.list_namespaced_config_map, namespace=namespace)
    events = []
    cond = threading.Condition()

    def on(kind):
        def handler(obj):
            with cond:
                events.append((kind, obj.metadata.name))
                cond.notify_all()

        return handler

    for kind in ("ADDED", "MODIFIED", "DELETED"):
        inf.add_event_handler(kind, on(kind))
    inf.start()
    try:
        with cond:
            assert cond.wait_for(lambda: ("ADDED", "i1") in events, timeout=20), events
        core.create_namespaced_config_map(namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="i2")))
        core.patch_namespaced_config_map("i1", namespace, {"data": {"x": "1"}})
        core.delete_namespaced_config_map("i2", namespace)
        with cond:
            assert cond.wait_for(lambda: ("DELETED", "i2") in events, timeout=20), events
        assert ("MODIFIED", "i1") in events
        keys = sorted(inf.cache.list_keys())
        assert keys == ["%s/i1" % namespace]
    finally:
        inf.stop()


def test_table_with_invalid_include_object_is_a_400(api_client, namespace):
    """kubectl-style Table requests validate includeObject like the apiserver (ValidateTableOptions)."""
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    for params in ({"includeObject": "Everything"}, {"includeObject": "Everything", "watch": "1"}):
        url = "%s/api/v1/namespaces/%s/configmaps?%s" % (
            api_client.configuration.host, namespace, urllib.parse.urlencode(params))
        req = urllib.request.Request(url, headers={"Accept": accept})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=30)
        assert e.value.code == 400, (url, e.value.code)
        body = json.loads(e.value.read())
        assert body["message"] == (
            "Unable to convert to Table as requested: includeObject: Invalid value: \"Everything\": "
            "must be 'Metadata', 'Object', 'None', or empty"
        ), (url, body)
    req = urllib.request.Request(
        "%s/api/v1/namespaces/%s/configmaps?includeObject=None" % (api_client.configuration.host, namespace),
        headers={"Accept": accept},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        table = json.loads(r.read())
    assert table["kind"] == "Table" and [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
