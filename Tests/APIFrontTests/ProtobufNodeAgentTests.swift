import KubeModel
import KubeProtobuf
import Testing

@testable import APIFront

/// A protobuf writer for bodies built by hand, with field numbers read off
/// k8s.io/api's generated.proto (independently of the decoder's type table), in
/// the shape gogo-protobuf writes: every non-pointer string and struct present.
struct GogoWriter {
    /// The encoder `/openapi/v2` uses (``ProtoWriter``); this type only adds gogo's always-written fields.
    private var writer = ProtoWriter()
    var bytes: [UInt8] { writer.bytes }

    func int(_ field: Int, _ v: Int64) -> Self {
        var w = self
        w.writer.key(field, wireType: 0)
        w.writer.varint(UInt64(bitPattern: v))
        return w
    }

    func string(_ field: Int, _ s: String) -> Self { raw(field, Array(s.utf8)) }
    func message(_ field: Int, _ m: GogoWriter) -> Self { raw(field, m.bytes) }

    /// A length-delimited field, written even when empty (as gogo writes non-pointer strings).
    func raw(_ field: Int, _ b: [UInt8]) -> Self {
        var w = self
        w.writer.lengthDelimited(field, b)
        return w
    }

    /// A map<string, V> entry.
    func entry(_ field: Int, _ k: String, _ v: GogoWriter) -> Self {
        message(field, GogoWriter().string(1, k).message(2, v))
    }

    /// metav1.Time / MicroTime {seconds, nanos}.
    static func time(_ seconds: Int64, nanos: Int64 = 0) -> GogoWriter {
        GogoWriter().int(1, seconds).int(2, nanos)
    }

    /// resource.Quantity {string}.
    static func quantity(_ s: String) -> GogoWriter { GogoWriter().string(1, s) }

    /// ObjectMeta with gogo's always-written fields (empty strings, generation 0, zero creationTimestamp).
    static func meta(name: String, namespace: String = "") -> GogoWriter {
        GogoWriter().string(1, name).string(2, "").string(3, namespace).string(4, "").string(5, "").string(6, "")
            .int(7, 0).message(8, GogoWriter())
    }

    /// `k8s\0` + runtime.Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding, contentType}.
    static func envelope(_ apiVersion: String, _ kind: String, _ object: GogoWriter) -> [UInt8] {
        [0x6B, 0x38, 0x73, 0x00]
            + GogoWriter().message(1, GogoWriter().string(1, apiVersion).string(2, kind)).message(2, object)
            .string(3, "").string(4, "").bytes
    }
}

/// kubelet and kube-proxy write Node, Lease and Event in protobuf by default; these
/// bodies are shaped like theirs.
@Suite("Protobuf bodies of kubelet and kube-proxy")
struct ProtobufNodeAgentTests {
    /// 2025-03-04T05:06:07Z
    static let t: Int64 = 1_741_064_767

    func decode(_ body: [UInt8]) throws -> JSONValue { try JSONValue(parsing: ProtobufBody.decode(body)) }

    @Test("a node lease renewal: pointers kept, MicroTime in microseconds")
    func lease() throws {
        let spec = GogoWriter().string(1, "edge-1").int(2, 40).message(4, .time(Self.t, nanos: 123_456_000))
            .int(5, 0)
        let body = GogoWriter.envelope(
            "coordination.k8s.io/v1", "Lease",
            GogoWriter().message(1, .meta(name: "edge-1", namespace: "kube-node-lease")).message(2, spec))
        // leaseTransitions is a *int32: gogo writes it only when set, and then JSON keeps the 0.
        #expect(
            try decode(body)
                == JSONValue(
                    parsing:
                        #"{"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"edge-1","namespace":"kube-node-lease"},"spec":{"holderIdentity":"edge-1","leaseDurationSeconds":40,"renewTime":"2025-03-04T05:06:07.123456Z","leaseTransitions":0}}"#
                ))
    }

    @Test("a node status: quantities, conditions with times, struct fields named in capitals")
    func node() throws {
        let condition = GogoWriter().string(1, "Ready").string(2, "True").message(3, .time(Self.t))
            .message(4, .time(Self.t)).string(5, "KubeletReady").string(6, "kubelet is posting ready status")
        let status = GogoWriter()
            .entry(1, "cpu", .quantity("2")).entry(1, "memory", .quantity("4Gi"))
            .entry(2, "cpu", .quantity("1500m"))
            .string(3, "")
            .message(4, condition)
            .message(5, GogoWriter().string(1, "InternalIP").string(2, "192.168.1.10"))
            .message(6, GogoWriter().message(1, GogoWriter().int(1, 10250)))
        let meta = GogoWriter.meta(name: "edge-1")
            .message(11, GogoWriter().string(1, "kubernetes.io/hostname").string(2, "edge-1"))
        let spec = GogoWriter().string(1, "10.0.0.0/24").string(3, "").bool(4, false)
            .message(5, GogoWriter().string(1, "edge").string(2, "true").string(3, "NoSchedule"))
            .string(7, "10.0.0.0/24")
        let body = GogoWriter.envelope(
            "v1", "Node", GogoWriter().message(1, meta).message(2, spec).message(3, status))
        let expected = #"""
            {"kind":"Node","apiVersion":"v1","metadata":{"name":"edge-1","labels":{"kubernetes.io/hostname":"edge-1"}},
             "spec":{"podCIDR":"10.0.0.0/24","podCIDRs":["10.0.0.0/24"],"taints":[{"key":"edge","value":"true","effect":"NoSchedule"}]},
             "status":{"capacity":{"cpu":"2","memory":"4Gi"},"allocatable":{"cpu":"1500m"},
               "conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2025-03-04T05:06:07Z",
                 "lastTransitionTime":"2025-03-04T05:06:07Z","reason":"KubeletReady","message":"kubelet is posting ready status"}],
               "addresses":[{"type":"InternalIP","address":"192.168.1.10"}],
               "daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}}}
            """#
        #expect(try decode(body) == JSONValue(parsing: expected))
    }

    @Test("a core/v1 event: times, count, non-omitempty strings kept empty, zero eventTime left out")
    func coreEvent() throws {
        let event = GogoWriter().message(1, .meta(name: "edge-1.1829", namespace: "default"))
            .message(2, GogoWriter().string(1, "Node").string(2, "").string(3, "edge-1").string(4, "edge-1"))
            .string(3, "Starting").string(4, "Starting kubelet.")
            .message(5, GogoWriter().string(1, "kubelet").string(2, "edge-1"))
            .message(6, .time(Self.t)).message(7, .time(Self.t)).int(8, 1).string(9, "Normal")
            .message(10, GogoWriter()).string(12, "").string(14, "").string(15, "")
        let expected = #"""
            {"kind":"Event","apiVersion":"v1","metadata":{"name":"edge-1.1829","namespace":"default"},
             "involvedObject":{"kind":"Node","name":"edge-1","uid":"edge-1"},"reason":"Starting","message":"Starting kubelet.",
             "source":{"component":"kubelet","host":"edge-1"},"firstTimestamp":"2025-03-04T05:06:07Z",
             "lastTimestamp":"2025-03-04T05:06:07Z","count":1,"type":"Normal","reportingComponent":"","reportingInstance":""}
            """#
        #expect(try decode(GogoWriter.envelope("v1", "Event", event)) == JSONValue(parsing: expected))
    }

    @Test("an events.k8s.io/v1 event: MicroTime eventTime, regarding reference")
    func eventsEvent() throws {
        let event = GogoWriter().message(1, .meta(name: "web.1829", namespace: "default"))
            .message(2, .time(Self.t, nanos: 5_000)).string(4, "kube-proxy").string(5, "kube-proxy-edge-1")
            .string(6, "StartKubeProxy").string(7, "Starting")
            .message(8, GogoWriter().string(1, "Node").string(3, "edge-1")).string(10, "").string(11, "Normal")
        let expected = #"""
            {"kind":"Event","apiVersion":"events.k8s.io/v1","metadata":{"name":"web.1829","namespace":"default"},
             "eventTime":"2025-03-04T05:06:07.000005Z","reportingController":"kube-proxy",
             "reportingInstance":"kube-proxy-edge-1","action":"StartKubeProxy","reason":"Starting",
             "regarding":{"kind":"Node","name":"edge-1"},"type":"Normal"}
            """#
        #expect(try decode(GogoWriter.envelope("events.k8s.io/v1", "Event", event)) == JSONValue(parsing: expected))
    }

    @Test("special types: IntOrString, Duration-free durations, RawExtension, []byte, packed repeated ints")
    func specialTypes() throws {
        // A Service port with a named targetPort, and a ControllerRevision with raw JSON data.
        let port = GogoWriter().string(1, "http").string(2, "TCP").int(3, 80)
            .message(4, GogoWriter().int(1, 1).int(2, 0).string(3, "web"))
        let svc = GogoWriter().message(1, .meta(name: "web")).message(2, GogoWriter().message(1, port))
        #expect(
            try decode(GogoWriter.envelope("v1", "Service", svc))
                == JSONValue(
                    parsing:
                        #"{"kind":"Service","apiVersion":"v1","metadata":{"name":"web"},"spec":{"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":"web"}]}}"#
                ))
        let rev = GogoWriter().message(1, .meta(name: "web-1"))
            .message(2, GogoWriter().raw(1, Array(#"{"spec":{"x":1}}"#.utf8))).int(3, 2)
        #expect(
            try decode(GogoWriter.envelope("apps/v1", "ControllerRevision", rev))
                == JSONValue(
                    parsing:
                        #"{"kind":"ControllerRevision","apiVersion":"apps/v1","metadata":{"name":"web-1"},"data":{"spec":{"x":1}},"revision":2}"#
                ))
        // A CSR: request bytes → base64, usages, extra map<string, ExtraValue>, packed-free expirationSeconds pointer.
        let csr = GogoWriter().message(1, .meta(name: "csr1"))
            .message(
                2,
                GogoWriter().raw(1, [0x01, 0x02, 0x03, 0xFF]).string(7, "kubernetes.io/kube-apiserver-client")
                    .string(5, "client auth")
                    .entry(6, "scopes", GogoWriter().string(1, "a").string(1, "b")).int(8, 3600))
        #expect(
            try decode(GogoWriter.envelope("certificates.k8s.io/v1", "CertificateSigningRequest", csr))
                == JSONValue(
                    parsing:
                        #"{"kind":"CertificateSigningRequest","apiVersion":"certificates.k8s.io/v1","metadata":{"name":"csr1"},"spec":{"request":"AQID/w==","signerName":"kubernetes.io/kube-apiserver-client","expirationSeconds":3600,"usages":["client auth"],"extra":{"scopes":["a","b"]}}}"#
                ))
    }

    @Test("DeleteOptions bodies of client-go's protobuf clients (kubelet deleting a pod)")
    func deleteOptions() throws {
        let options = GogoWriter().int(1, 0).message(2, GogoWriter().string(1, "u1")).string(4, "Background")
        for apiVersion in ["v1", "meta.k8s.io/v1"] {
            #expect(
                try decode(GogoWriter.envelope(apiVersion, "DeleteOptions", options))
                    == JSONValue(
                        parsing:
                            #"{"kind":"DeleteOptions","apiVersion":"\#(apiVersion)","gracePeriodSeconds":0,"preconditions":{"uid":"u1"},"propagationPolicy":"Background"}"#
                    ))
        }
    }

    @Test("Go's Duration and RFC 3339 spellings")
    func spellings() {
        #expect(GoDuration.string(nanoseconds: 0) == "0s")
        #expect(GoDuration.string(nanoseconds: 1_500_000) == "1.5ms")
        #expect(GoDuration.string(nanoseconds: 90_000_000_000) == "1m30s")
        #expect(GoDuration.string(nanoseconds: 3_600_000_000_000) == "1h0m0s")
        #expect(GoDuration.string(nanoseconds: 3_723_500_000_000) == "1h2m3.5s")
        #expect(GoDuration.string(nanoseconds: -2_000) == "-2µs")
        #expect(RFC3339.format(seconds: 0, nanos: 1, microseconds: false) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.format(seconds: 951_782_400, nanos: 0, microseconds: false) == "2000-02-29T00:00:00Z")
        #expect(RFC3339.format(seconds: -1, nanos: 0, microseconds: true) == "1969-12-31T23:59:59.000000Z")
    }

    @Test("the generated type table parses completely and knows every catalog kind")
    func tableIsComplete() {
        let table = BuiltInTypes.table
        #expect(table.malformedLines.isEmpty)
        for info in ResourceCatalog.builtIn().all() where info.gvr.group != "apiextensions.k8s.io" {
            #expect(table.root(apiVersion: info.gvr.groupVersion, kind: info.kind) != nil, "\(info.kind)")
        }
        for message in table.messages.values {
            for field in message.fields {
                if case .message(let name) = field.kind { #expect(table.messages[name] != nil, "\(name)") }
            }
        }
    }

    @Test("bodies nested past the depth limit are refused, unknown fields name their message")
    func limits() {
        // Built-in types are not recursive; a recursive table stands in for a hostile shape.
        let table = BuiltInTypes.Table(parsing: "K v1 Loop t.Loop\nM t.Loop\nF 1 next m:t.Loop p\nF 2 name s o")
        var deep = GogoWriter().string(2, "bottom")
        for _ in 0..<(ProtobufBody.maxDepth - 2) { deep = GogoWriter().message(1, deep) }
        #expect(throws: Never.self) { try ProtobufBody.decode(GogoWriter.envelope("v1", "Loop", deep), types: table) }
        for _ in 0..<4 { deep = GogoWriter().message(1, deep) }
        #expect(throws: ProtobufBody.DecodeError.self) {
            try ProtobufBody.decode(GogoWriter.envelope("v1", "Loop", deep), types: table)
        }
        do {
            _ = try ProtobufBody.decode(
                GogoWriter.envelope("apps/v1", "Deployment", GogoWriter().message(2, GogoWriter().int(99, 1))))
            Issue.record("an unknown field decoded")
        } catch {
            #expect(error.description == "unknown field 99 of apps/v1.DeploymentSpec")
        }
    }
}

extension GogoWriter {
    func bool(_ field: Int, _ v: Bool) -> Self { int(field, v ? 1 : 0) }
}
