"""Watch-list streaming over HTTP, as client-go's reflector uses it (WatchListClient).

The reflector sends `watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan
&allowWatchBookmarks=true` and relies on: the current objects as ADDED events, then one
BOOKMARK whose metadata.annotations has `k8s.io/initial-events-end: "true"` and whose
resourceVersion is the RV of that initial state, then live events (KEP-3157;
k8s.io/client-go/tools/cache/reflector.go `watchList`, k8s.io/apiserver
storage/cacher). Invalid combinations are 422 Invalid ListOptions with the messages of
k8s.io/apimachinery/pkg/apis/meta/internalversion/validation/validation.go.

No Go toolchain with client-go is available here, so the checks read the raw stream.
"""

import json
import urllib.error
import urllib.parse
import urllib.request

from kubernetes import client

END = "k8s.io/initial-events-end"
WATCH_LIST = {"watch": "1", "sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan", "allowWatchBookmarks": "true"}


class Stream:
    """One watch response, read event by event (bounded by the server's timeoutSeconds)."""

    def __init__(self, api_client, path, params):
        query = urllib.parse.urlencode(dict(params, timeoutSeconds="15"))
        self.url = "%s%s?%s" % (api_client.configuration.host, path, query)
        self.resp = urllib.request.urlopen(self.url, timeout=30)
        self.seen = []

    def next(self):
        line = self.resp.readline()
        assert line, "watch %s ended early; events so far: %s" % (self.url, self.seen)
        ev = json.loads(line)
        self.seen.append((ev["type"], ev["object"].get("metadata", {}).get("name")))
        return ev

    def until_initial_end(self):
        """ADDED events up to the initial-events-end BOOKMARK; returns (added objects, bookmark)."""
        added = []
        for _ in range(1000):
            ev = self.next()
            if ev["type"] == "BOOKMARK":
                if ev["object"]["metadata"].get("annotations", {}).get(END) == "true":
                    return added, ev["object"]
                continue  # an ordinary progress bookmark before the end is allowed
            assert ev["type"] == "ADDED", "initial events must be ADDED, got %s from %s" % (ev, self.url)
            added.append(ev["object"])
        raise AssertionError("no initial-events-end bookmark from %s: %s" % (self.url, self.seen))

    def next_non_bookmark(self):
        for _ in range(100):
            ev = self.next()
            if ev["type"] != "BOOKMARK":
                return ev
        raise AssertionError("only bookmarks from %s" % self.url)

    def close(self):
        self.resp.close()


def cm(core, namespace, name, labels=None):
    return core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels))
    )


def path(namespace):
    return "/api/v1/namespaces/%s/configmaps" % namespace


def test_initial_events_then_end_bookmark_then_live_events(api_client, namespace):
    core = client.CoreV1Api(api_client)
    cm(core, namespace, "a")
    cm(core, namespace, "b")
    list_rv = core.list_namespaced_config_map(namespace).metadata.resource_version
    s = Stream(api_client, path(namespace), dict(WATCH_LIST, resourceVersion=""))
    try:
        added, bookmark = s.until_initial_end()
        assert sorted(o["metadata"]["name"] for o in added) == ["a", "b"]
        # The bookmark carries the initial state's RV: with no write in between, the list's RV.
        assert bookmark["kind"] == "ConfigMap" and bookmark["apiVersion"] == "v1"
        assert bookmark["metadata"]["resourceVersion"] == list_rv, (bookmark, list_rv)
        assert all(int(o["metadata"]["resourceVersion"]) <= int(list_rv) for o in added)
        created = cm(core, namespace, "c")
        ev = s.next_non_bookmark()
        assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "c")
        assert ev["object"]["metadata"]["resourceVersion"] == created.metadata.resource_version
        core.delete_namespaced_config_map("a", namespace)
        ev = s.next_non_bookmark()
        assert (ev["type"], ev["object"]["metadata"]["name"]) == ("DELETED", "a")
    finally:
        s.close()


def test_empty_collection_still_ends_with_the_bookmark(api_client, namespace):
    s = Stream(api_client, path(namespace), WATCH_LIST)
    try:
        added, bookmark = s.until_initial_end()
        assert added == []
        assert int(bookmark["metadata"]["resourceVersion"]) > 0
    finally:
        s.close()


def test_label_and_field_selectors_filter_the_initial_events(api_client, namespace):
    core = client.CoreV1Api(api_client)
    cm(core, namespace, "red1", {"team": "red"})
    cm(core, namespace, "blue1", {"team": "blue"})
    s = Stream(api_client, path(namespace), dict(WATCH_LIST, labelSelector="team=red"))
    try:
        added, _ = s.until_initial_end()
        assert [o["metadata"]["name"] for o in added] == ["red1"]
        cm(core, namespace, "blue2", {"team": "blue"})
        cm(core, namespace, "red2", {"team": "red"})
        ev = s.next_non_bookmark()
        assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "red2")
    finally:
        s.close()
    s = Stream(api_client, path(namespace), dict(WATCH_LIST, fieldSelector="metadata.name=blue1"))
    try:
        added, _ = s.until_initial_end()
        assert [o["metadata"]["name"] for o in added] == ["blue1"]
    finally:
        s.close()


def test_given_resource_version_serves_a_state_not_older_than_it(api_client, namespace):
    core = client.CoreV1Api(api_client)
    first = cm(core, namespace, "x")
    rv = first.metadata.resource_version
    cm(core, namespace, "y")
    s = Stream(api_client, path(namespace), dict(WATCH_LIST, resourceVersion=rv))
    try:
        added, bookmark = s.until_initial_end()
        names = sorted(o["metadata"]["name"] for o in added)
        assert "x" in names, added
        assert int(bookmark["metadata"]["resourceVersion"]) >= int(rv)
        assert all(int(o["metadata"]["resourceVersion"]) <= int(bookmark["metadata"]["resourceVersion"]) for o in added)
        if "y" not in names:  # a state exactly at rv: y must then follow as a live event
            ev = s.next_non_bookmark()
            assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "y")
    finally:
        s.close()


def test_send_initial_events_false_starts_from_now(api_client, namespace):
    core = client.CoreV1Api(api_client)
    cm(core, namespace, "old")
    s = Stream(api_client, path(namespace), dict(WATCH_LIST, sendInitialEvents="false", resourceVersion=""))
    try:
        cm(core, namespace, "new")
        ev = s.next_non_bookmark()
        assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "new")
    finally:
        s.close()


def status_of(api_client, path, params):
    url = "%s%s?%s" % (api_client.configuration.host, path, urllib.parse.urlencode(params))
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            raise AssertionError("expected a 4xx from %s, got %s: %s" % (url, r.status, r.read()[:300]))
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


PREFIX = 'ListOptions.meta.k8s.io "" is invalid: '


def test_send_initial_events_on_a_list_is_invalid(api_client, namespace):
    code, st = status_of(api_client, path(namespace), {"sendInitialEvents": "true"})
    assert code == 422 and st["reason"] == "Invalid", st
    assert st["message"] == PREFIX + "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list", st
    assert st["details"]["kind"] == "ListOptions" and st["details"]["group"] == "meta.k8s.io"
    assert st["details"]["causes"] == [
        {
            "reason": "FieldValueForbidden",
            "message": "Forbidden: sendInitialEvents is forbidden for list",
            "field": "sendInitialEvents",
        }
    ]


def test_send_initial_events_needs_not_older_than(api_client, namespace):
    code, st = status_of(api_client, path(namespace), {"watch": "1", "sendInitialEvents": "true"})
    assert code == 422, st
    assert st["message"] == (
        PREFIX + "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
    ), st
    code, st = status_of(
        api_client, path(namespace), {"watch": "1", "sendInitialEvents": "true", "resourceVersionMatch": "Exact"}
    )
    assert code == 422, st
    assert st["message"] == (
        PREFIX + "[resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to "
        'NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]'
    ), st
    assert [c["reason"] for c in st["details"]["causes"]] == ["FieldValueForbidden", "FieldValueNotSupported"]


def test_resource_version_match_on_a_watch_needs_send_initial_events(api_client, namespace):
    code, st = status_of(api_client, path(namespace), {"watch": "1", "resourceVersionMatch": "NotOlderThan"})
    assert code == 422, st
    assert st["message"] == (
        PREFIX + "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless "
        "sendInitialEvents is provided"
    ), st
