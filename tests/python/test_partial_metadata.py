"""Metadata-only reads, as metadata informers and the garbage collector ask for them:
`Accept: application/json;as=PartialObjectMetadata[List];v=v1;g=meta.k8s.io`
(k8s.io/apiserver endpoints/handlers/response.go `asPartialObjectMetadata*`)."""

import json
import urllib.error
import urllib.request

from kubernetes import client

ONE = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json"
LIST = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"


def fetch(api_client, path, accept):
    req = urllib.request.Request(api_client.configuration.host + path, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=20) as resp:
        return resp.read().decode()


def test_get_list_and_watch_answer_metadata_only(api_client, namespace):
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="meta", labels={"a": "b"}), data={"k": "v"})
    )
    base = "/api/v1/namespaces/%s/configmaps" % namespace

    one = json.loads(fetch(api_client, base + "/meta", ONE))
    assert one["kind"] == "PartialObjectMetadata" and one["apiVersion"] == "meta.k8s.io/v1"
    assert one["metadata"]["name"] == "meta" and one["metadata"]["labels"] == {"a": "b"}
    assert "data" not in one

    lst = json.loads(fetch(api_client, base, LIST))
    assert lst["kind"] == "PartialObjectMetadataList" and lst["metadata"]["resourceVersion"]
    assert [i["kind"] for i in lst["items"]] == ["PartialObjectMetadata"]
    assert "data" not in lst["items"][0]

    lines = fetch(api_client, base + "?watch=true&timeoutSeconds=1", ONE).splitlines()
    events = [json.loads(line) for line in lines if line.strip()]
    assert events and events[0]["type"] == "ADDED"
    assert events[0]["object"]["kind"] == "PartialObjectMetadata"
    assert "data" not in events[0]["object"]


def test_only_an_unsupported_transform_is_406(api_client, namespace):
    """kube-apiserver answers 406 when every acceptable media type asks for a transform it
    cannot produce (negotiation.NewNotAcceptableError), and quotes the Go type when the
    metadata kind does not fit the verb (asPartialObjectMetadata)."""
    base = "/api/v1/namespaces/%s/configmaps" % namespace
    for accept in ("application/json;as=Foo;v=v1;g=meta.k8s.io", "application/json;as=Table;v=v9;g=meta.k8s.io"):
        try:
            fetch(api_client, base, accept)
            raise AssertionError("expected 406 for " + accept)
        except urllib.error.HTTPError as e:
            assert e.code == 406
            status = json.loads(e.read().decode())
            assert status["reason"] == "NotAcceptable" and "details" not in status
            assert status["message"].startswith("only the following media types are accepted: application/json")
    try:
        fetch(api_client, base, "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io")
        raise AssertionError("expected 406 for a list as PartialObjectMetadata")
    except urllib.error.HTTPError as e:
        assert e.code == 406
        message = json.loads(e.read().decode())["message"]
        assert message == "you requested PartialObjectMetadata, but the requested object is a list (*core.ConfigMapList)"
