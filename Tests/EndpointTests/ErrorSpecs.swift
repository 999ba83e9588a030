import Endpoint
import KubeModel
import Testing

@Suite("Endpoint: request validation and errors")
struct ErrorSpecs {
    @Test("an unknown resource is 404 NotFound")
    func unknownResource() async throws {
        try await Harness.run { h in
            let r = await h.call(.list, GroupVersionResource(group: "nope.io", version: "v1", resource: "things"))
            #expect(r.code == 404)
            #expect(r.reason == "NotFound")
            #expect(r.object["kind"] == "Status")
        }
    }

    @Test("scope: a namespace on a cluster-scoped resource, or none on a namespaced get, is 404")
    func scope() async throws {
        try await Harness.run { h in
            #expect(await h.call(.get, Harness.nodes, namespace: "default", name: "n").code == 404)
            #expect(await h.call(.get, Harness.configmaps, name: "x").code == 404)
        }
    }

    @Test("a missing object is 404 with the apiserver's message")
    func notFound() async throws {
        try await Harness.run { h in
            let r = await h.get(Harness.configmaps, namespace: "default", "missing")
            #expect(r.code == 404)
            #expect(r.message == #"configmaps "missing" not found"#)
            let details = try r.json()["details"]
            #expect(details?["name"] == "missing")
            #expect(details?["kind"] == "configmaps")
            let d = await h.get(Harness.deployments, namespace: "default", "x")
            #expect(d.message == #"deployments.apps "x" not found"#)
        }
    }

    @Test("a path name that is not a path segment is 400 BadRequest")
    func badPathName() async throws {
        try await Harness.run { h in
            let r = await h.get(Harness.configmaps, namespace: "default", "..")
            #expect(r.code == 400)
            #expect(r.reason == "BadRequest")
            #expect(r.message == #"Name parameter invalid: "..": may not be '..'"#)
        }
    }

    @Test("query options: bad selectors and integers are 400, resourceVersionMatch misuse is 422")
    func queryOptions() async throws {
        try await Harness.run { h in
            let badLabels = await h.call(.list, Harness.configmaps, query: ["labelSelector": ["a in (b"]])
            #expect(badLabels.code == 400)
            #expect(badLabels.reason == "BadRequest")
            let badField = await h.call(.list, Harness.configmaps, query: ["fieldSelector": ["spec.nodeName=x"]])
            #expect(badField.code == 400)
            #expect(badField.reason == "BadRequest")
            let podField = await h.call(.list, Harness.pods, query: ["fieldSelector": ["spec.nodeName=x"]])
            #expect(podField.code == 200)
            let limit = await h.call(.list, Harness.configmaps, query: ["limit": ["ten"]])
            #expect(limit.code == 400)
            #expect(limit.message == #"strconv.ParseInt: parsing "ten": invalid syntax"#)
            let timeout = await h.call(.watch, Harness.configmaps, query: ["timeoutSeconds": ["x"]])
            #expect(timeout.code == 400)
            // A resourceVersion is parsed once, here; the store only ever sees a number.
            let badListRV = await h.call(.list, Harness.configmaps, query: ["resourceVersion": ["abc"]])
            #expect(badListRV.code == 400)
            #expect(badListRV.message == "invalid resource version: abc")
            let badWatchRV = await h.call(.watch, Harness.configmaps, query: ["resourceVersion": ["x1"]])
            #expect(badWatchRV.code == 400)
            #expect(badWatchRV.message == "invalid resource version: x1")
            // A get does not read at a resourceVersion: the parameter is not looked at.
            #expect(
                await h.call(
                    .get, Harness.configmaps, namespace: "default", name: "missing", query: ["resourceVersion": ["abc"]]
                ).code == 404)

            let match = await h.call(.list, Harness.configmaps, query: ["resourceVersionMatch": ["Exact"]])
            #expect(match.code == 422)
            #expect(match.reason == "Invalid")
            #expect(
                match.message
                    == #"ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"#
            )
            let exactZero = await h.call(
                .list, Harness.configmaps, query: ["resourceVersion": ["0"], "resourceVersionMatch": ["Exact"]])
            #expect(exactZero.code == 422)
            let initial = await h.call(.list, Harness.configmaps, query: ["sendInitialEvents": ["true"]])
            #expect(initial.code == 422)
            #expect(initial.object["details"]?["causes"]?.arrayValue?.first?["field"] == "sendInitialEvents")
            let watchWithoutMatch = await h.call(.watch, Harness.configmaps, query: ["sendInitialEvents": ["true"]])
            #expect(watchWithoutMatch.code == 422)
        }
    }

    @Test("a Secret's data and a ConfigMap's binaryData must be base64 Go decodes: 400 naming the byte, never stored")
    func badBase64() async throws {
        try await Harness.run { h in
            let secret: JSONValue = ["metadata": ["name": "s"], "data": ["ok": "YWJj", "bad": "YW=j"]]
            let r = await h.call(.create, Harness.secrets, namespace: "default", body: secret)
            #expect(r.code == 400)
            #expect(r.reason == "BadRequest")
            #expect(
                r.message
                    == #"Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2"#)
            #expect(await h.call(.get, Harness.secrets, namespace: "default", name: "s").code == 404)

            let cm: JSONValue = ["metadata": ["name": "c"], "binaryData": ["k": "YQ"]]
            let c = await h.call(.create, Harness.configmaps, namespace: "default", body: cm)
            #expect(
                c.message
                    == #"ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 0"#
            )

            // Text in a ConfigMap's data is not base64, and a valid Secret goes through.
            try await h.create(
                Harness.configmaps, namespace: "default", ["metadata": ["name": "t"], "data": ["k": "a b"]])
            try await h.create(
                Harness.secrets, namespace: "default", ["metadata": ["name": "v"], "data": ["k": "YWJj\n"]])
            // Stored as the apiserver returns it: decoded and encoded again.
            let stored = await h.call(.get, Harness.secrets, namespace: "default", name: "v")
            #expect(stored.object["data"]?["k"] == "YWJj")
            let patched = await h.call(
                .patch, Harness.secrets, namespace: "default", name: "v", body: ["data": ["k": "!!"]],
                contentType: "application/merge-patch+json")
            #expect(patched.code == 400)
        }
    }

    @Test("bodies: malformed JSON, another kind or apiVersion, mismatched name or namespace are 400")
    func badBodies() async throws {
        try await Harness.run { h in
            let malformed = await h.call(.create, Harness.configmaps, namespace: "default", raw: Array("{\"a\":".utf8))
            #expect(malformed.code == 400)
            #expect(malformed.reason == "BadRequest")

            var secret = configMap("x")
            secret["kind"] = "Secret"
            let kind = await h.call(.create, Harness.configmaps, namespace: "default", body: secret)
            #expect(kind.code == 400)

            var version = configMap("x")
            version["apiVersion"] = "v2"
            let apiVersion = await h.call(.create, Harness.configmaps, namespace: "default", body: version)
            #expect(apiVersion.code == 400)
            #expect(
                apiVersion.message == "the API version in the data (v2) does not match the expected API version (v1)")

            var elsewhere = configMap("x")
            elsewhere["metadata"]?["namespace"] = "kube-system"
            let ns = await h.call(.create, Harness.configmaps, namespace: "default", body: elsewhere)
            #expect(ns.code == 400)
            #expect(
                ns.message == "the namespace of the provided object does not match the namespace sent on the request")

            try await h.create(Harness.configmaps, namespace: "default", configMap("x"))
            let name = await h.call(.update, Harness.configmaps, namespace: "default", name: "x", body: configMap("y"))
            #expect(name.code == 400)
            #expect(name.message == "the name of the object (y) does not match the name on the URL (x)")

            let labels = await h.call(
                .create, Harness.configmaps, namespace: "default",
                body: ["metadata": ["name": "z", "labels": ["a": 1]]])
            #expect(labels.code == 400)
        }
    }

    @Test("a create carrying a resourceVersion fails like etcd3's storage does (500, known message)")
    func createWithResourceVersion() async throws {
        try await Harness.run { h in
            var body = configMap("rv")
            body["metadata"]?["resourceVersion"] = "12"
            let r = await h.call(.create, Harness.configmaps, namespace: "default", body: body)
            #expect(r.code == 500)
            #expect(r.message == "resourceVersion should not be set on objects to be created")
            #expect(await h.get(Harness.configmaps, namespace: "default", "rv").code == 404)
        }
    }

    @Test("creating an existing object is 409 AlreadyExists")
    func alreadyExists() async throws {
        try await Harness.run { h in
            try await h.create(Harness.configmaps, namespace: "default", configMap("dup"))
            let r = await h.call(.create, Harness.configmaps, namespace: "default", body: configMap("dup"))
            #expect(r.code == 409)
            #expect(r.reason == "AlreadyExists")
            #expect(r.message == #"configmaps "dup" already exists"#)
        }
    }

    @Test("invalid metadata is 422 Invalid with one cause per problem")
    func invalidMetadata() async throws {
        try await Harness.run { h in
            let badName = await h.call(.create, Harness.configmaps, namespace: "default", body: configMap("Bad_Name"))
            #expect(badName.code == 422)
            #expect(badName.reason == "Invalid")
            #expect(
                badName.message.hasPrefix(#"ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name""#)
            )
            let causes = try badName.json()["details"]?["causes"]?.arrayValue ?? []
            #expect(causes.first?["field"] == "metadata.name")
            #expect(causes.first?["reason"] == "FieldValueInvalid")

            let noName = await h.call(.create, Harness.configmaps, namespace: "default", body: ["data": [:]])
            #expect(noName.code == 422)
            #expect(noName.message.contains("metadata.name: Required value: name or generateName is required"))

            let badLabel = await h.call(
                .create, Harness.configmaps, namespace: "default", body: configMap("l", labels: ["bad key!": "v"]))
            #expect(badLabel.code == 422)
            #expect(badLabel.object["details"]?["causes"]?.arrayValue?.first?["field"] == "metadata.labels")

            var big = configMap("big")
            big["metadata"]?["annotations"] = ["a": .string(String(repeating: "x", count: 300_000))]
            let tooBig = await h.call(.create, Harness.configmaps, namespace: "default", body: big)
            #expect(tooBig.code == 422)
            #expect(tooBig.message.contains("metadata.annotations: Too long: may not be more than 262144 bytes"))
        }
    }

    @Test("content goes only into existing, active namespaces (404 / 403)")
    func namespaceLifecycle() async throws {
        try await Harness.run { h in
            let missing = await h.call(.create, Harness.configmaps, namespace: "nowhere", body: configMap("a"))
            #expect(missing.code == 404)
            #expect(missing.message == #"namespaces "nowhere" not found"#)

            try await h.create(Harness.namespaces, ["metadata": ["name": "closing"]])
            try await h.create(
                Harness.configmaps, namespace: "closing",
                ["metadata": ["name": "held", "finalizers": ["example.com/hold"]], "data": [:]])
            #expect(await h.call(.delete, Harness.namespaces, name: "closing").code == 200)
            let r = await h.call(.create, Harness.configmaps, namespace: "closing", body: configMap("b"))
            #expect(r.code == 403)
            #expect(r.reason == "Forbidden")
            #expect(
                r.message
                    == #"configmaps "b" is forbidden: unable to create new content in namespace closing because it is being terminated"#
            )
            #expect(r.object["details"]?["causes"]?.arrayValue?.first?["reason"] == "NamespaceTerminating")
        }
    }

    @Test("the system namespaces cannot be deleted (403)")
    func immortalNamespaces() async throws {
        try await Harness.run { h in
            let r = await h.call(.delete, Harness.namespaces, name: "default")
            #expect(r.code == 403)
            #expect(r.message == #"namespaces "default" is forbidden: this namespace may not be deleted"#)
        }
    }

    @Test("a verb the resource does not support is 405")
    func unsupportedVerb() async throws {
        try await Harness.run { h in
            let r = await h.call(.deletecollection, Harness.namespaces)
            #expect(r.code == 405)
            #expect(r.reason == "MethodNotAllowed")
        }
    }

    @Test("patch: unknown content type 415, missing object 404, failing JSON patch 422")
    func patchErrors() async throws {
        try await Harness.run { h in
            try await h.create(Harness.configmaps, namespace: "default", configMap("p"))
            let media = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "p", body: [:], contentType: "text/plain")
            #expect(media.code == 415)
            #expect(media.reason == "UnsupportedMediaType")
            #expect(media.message.contains("application/strategic-merge-patch+json"))

            let missing = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "nope", body: [:],
                contentType: "application/merge-patch+json")
            #expect(missing.code == 404)

            let failing = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "p",
                raw: Array(#"[{"op":"test","path":"/data/k","value":"other"}]"#.utf8),
                contentType: "application/json-patch+json")
            #expect(failing.code == 422)
            #expect(failing.reason == "Invalid")

            let notJSON = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "p", raw: Array("{".utf8),
                contentType: "application/merge-patch+json")
            #expect(notJSON.code == 400)

            let noManager = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "p", body: configMap("p"),
                contentType: "application/apply-patch+yaml")
            #expect(noManager.code == 422)
        }
    }

    @Test("delete preconditions: uid or resourceVersion mismatch is 409 Conflict")
    func deletePreconditions() async throws {
        try await Harness.run { h in
            let cm = try await h.create(Harness.configmaps, namespace: "default", configMap("pre"))
            let wrongUID = await h.call(
                .delete, Harness.configmaps, namespace: "default", name: "pre",
                body: ["kind": "DeleteOptions", "apiVersion": "v1", "preconditions": ["uid": "other"]])
            #expect(wrongUID.code == 409)
            #expect(wrongUID.reason == "Conflict")
            #expect(wrongUID.message.contains("Precondition failed: UID in precondition: other"))
            let wrongRV = await h.call(
                .delete, Harness.configmaps, namespace: "default", name: "pre",
                body: ["preconditions": ["resourceVersion": "1"]])
            #expect(wrongRV.code == 409)
            let right = await h.call(
                .delete, Harness.configmaps, namespace: "default", name: "pre",
                body: ["preconditions": ["uid": cm["metadata"]?["uid"] ?? .null, "resourceVersion": .string(cm.rv)]])
            #expect(right.code == 200)
            let policy = await h.call(
                .delete, Harness.configmaps, namespace: "default", name: "x",
                query: ["propagationPolicy": ["Sometimes"]])
            #expect(policy.code == 422)
        }
    }

    @Test("a status write naming another uid is 422 (the uid is immutable through /status too), the status unchanged")
    func statusWithAnotherUID() async throws {
        try await Harness.run { h in
            let pod: JSONValue = [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web"],
                "spec": ["containers": [["name": "c", "image": "nginx"]]],
            ]
            let created = try await h.create(Harness.pods, namespace: "default", pod)
            let other = await h.call(
                .patch, Harness.pods, namespace: "default", name: "web", subresource: "status",
                body: ["metadata": ["uid": "another"], "status": ["phase": "Running"]],
                contentType: "application/merge-patch+json")
            #expect(other.code == 422)
            #expect(other.message.contains("metadata.uid"))
            let same = await h.call(
                .patch, Harness.pods, namespace: "default", name: "web", subresource: "status",
                body: ["metadata": ["uid": created["metadata"]?["uid"] ?? .null], "status": ["phase": "Running"]],
                contentType: "application/merge-patch+json")
            #expect(same.code == 200)
        }
    }

    @Test("an unknown dryRun value is rejected like the apiserver's option validation (422)")
    func unknownDryRun() async throws {
        try await Harness.run { h in
            let r = await h.call(
                .create, Harness.configmaps, namespace: "default", query: ["dryRun": ["Some"]], body: configMap("d"))
            #expect(r.code == 422)
            #expect(
                r.message
                    == #"CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Some"}: supported values: "All""#
            )
            #expect(await h.get(Harness.configmaps, namespace: "default", "d").code == 404)
        }
    }

    @Test("error answers never echo Secret data")
    func secretsStayPrivate() async throws {
        try await Harness.run { h in
            let body =
                #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"Bad_Name"},"stringData":{"password":"hunter2"}}"#
            let r = await h.call(.create, Harness.secrets, namespace: "default", raw: Array(body.utf8))
            #expect(r.code == 422)
            #expect(!r.text.contains("hunter2"))
            let broken = #"{"apiVersion":"v1","kind":"Secret","stringData":{"password":"hunter2"#
            let b = await h.call(.create, Harness.secrets, namespace: "default", raw: Array(broken.utf8))
            #expect(b.code == 400)
            #expect(!b.text.contains("hunter2"))
        }
    }

    @Test("a watch with a negative timeoutSeconds starts and ends at once, as kube-apiserver's negative timer does")
    func negativeWatchTimeout() async throws {
        try await Harness.run { h in
            let request = APIRequest(
                verb: .watch, resource: Harness.configmaps, query: ["timeoutSeconds": ["-5"]], client: "endpoint-tests")
            guard case .watch(let stream) = await h.endpoint.handle(request) else {
                Issue.record("a negative timeoutSeconds is not a validation error: the watch starts")
                return
            }
            let clock = ContinuousClock()
            let start = clock.now
            for await _ in stream {}
            #expect(clock.now - start < .seconds(5))
        }
    }
}
