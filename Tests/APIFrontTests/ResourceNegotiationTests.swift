import Endpoint
import KubeModel
import Testing

@testable import APIFront

/// Output negotiation for resource requests, as kube-apiserver's `NegotiateOutputMediaType`
/// with the request scope's restrictions decides it (k8s.io/apiserver
/// `endpoints/handlers/negotiation` and `handlers/rest.go`).
@Suite("Resource content negotiation")
struct ResourceNegotiationTests {
    func negotiate(_ accept: String?, verb: APIVerb = .list, watchList: Bool = false) -> Result<
        ResourceNegotiation, StatusError
    > {
        ResourceNegotiation.negotiate(accept: accept, verb: verb, watchList: watchList)
    }

    func accepted(_ accept: String?, verb: APIVerb = .list, watchList: Bool = false) throws -> ResourceNegotiation {
        try negotiate(accept, verb: verb, watchList: watchList).get()
    }

    func refused(_ accept: String?, verb: APIVerb = .list, watchList: Bool = false) -> StatusError? {
        guard case .failure(let status) = negotiate(accept, verb: verb, watchList: watchList) else { return nil }
        return status
    }

    static let onlyServed = "only the following media types are accepted: application/json, application/yaml"

    @Test("Accept clauses are read as goautoneg reads them: by q, concrete before wildcards, malformed ones dropped")
    func clauses() {
        let parsed = AcceptClause.parse("*/*;q=0.8, application/json, application/yaml;q=0.9")
        #expect(parsed.map { "\($0.type)/\($0.subtype)" } == ["application/json", "application/yaml", "*/*"])
        #expect(parsed.map(\.q) == [1, 0.9, 0.8])
        // goautoneg's comparison is not a strict order: a concrete subtype also goes before a
        // wildcard subtype of higher q, as Go's insertion sort applies it.
        let quirk = AcceptClause.parse("*/*;q=0.8, text/*, application/yaml;q=0.9, application/json")
        #expect(quirk.map { "\($0.type)/\($0.subtype)" } == ["application/json", "application/yaml", "text/*", "*/*"])
        // A bare `*` is `*/*`; a type without subtype or with two slashes is dropped.
        #expect(AcceptClause.parse("*, application, a/b/c").map { "\($0.type)/\($0.subtype)" } == ["*/*"])
        // Parameters without a value or with two `=` are dropped; a bad q is 0.
        let params = AcceptClause.parse("application/json;as=;g=a=b;v=v1;q=x")
        #expect(params.first?.parameters == ["v": "v1"])
        #expect(params.first?.q == 0)
    }

    @Test("no Accept is JSON; JSON, YAML and wildcards pick the first acceptable clause")
    func plain() throws {
        #expect(try accepted(nil) == ResourceNegotiation(encoding: .json, transform: nil))
        #expect(try accepted("") == ResourceNegotiation(encoding: .json, transform: nil))
        #expect(try accepted("*/*").encoding == .json)
        #expect(try accepted("application/*").encoding == .json)
        #expect(try accepted("application/yaml").encoding == .yaml)
        #expect(try accepted("application/yaml;q=0.5, application/json").encoding == .json)
        #expect(try accepted("application/vnd.kubernetes.protobuf, application/yaml").encoding == .yaml)
    }

    @Test("nothing producible is 406 NotAcceptable listing the served types, with no details")
    func notAcceptable() {
        for accept in ["application/vnd.kubernetes.protobuf", "text/html", "garbage", "application/JSON"] {
            let status = refused(accept)
            #expect(status?.code == 406, "\(accept)")
            #expect(status?.reason == "NotAcceptable")
            #expect(status?.message == Self.onlyServed)
            #expect(status?.details == nil)
        }
    }

    @Test("a transform other than Table or PartialObjectMetadata(List) of meta.k8s.io v1/v1beta1 is never acceptable")
    func unsupportedTransforms() throws {
        for accept in [
            "application/json;as=Foo;v=v1;g=meta.k8s.io",
            "application/json;as=Table;v=v2;g=meta.k8s.io",
            "application/json;as=Table;v=v1;g=example.com",
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io",
            "application/json;v=v1;g=meta.k8s.io",
            "application/json;as=Table",
        ] {
            #expect(refused(accept)?.message == Self.onlyServed, "\(accept)")
        }
        // A later acceptable clause is used instead.
        #expect(try accepted("application/json;as=Foo;v=v1;g=meta.k8s.io, application/json").transform == nil)
        #expect(
            try accepted("application/json;as=Foo;v=v1;g=meta.k8s.io, application/json;as=Table;v=v1;g=meta.k8s.io")
                .transform == .table(version: "v1"))
    }

    @Test("Table and PartialObjectMetadata(List) transforms, in JSON or YAML")
    func transforms() throws {
        #expect(
            try accepted("application/json;as=Table;v=v1beta1;g=meta.k8s.io")
                == ResourceNegotiation(encoding: .json, transform: .table(version: "v1beta1")))
        #expect(
            try accepted("application/yaml;as=Table;v=v1;g=meta.k8s.io")
                == ResourceNegotiation(encoding: .yaml, transform: .table(version: "v1")))
        // The metadata informer's header: protobuf first (not served), then JSON.
        let informer =
            "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,"
            + "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
        #expect(
            try accepted(informer).transform
                == .metadata(MetadataRequest(kind: "PartialObjectMetadataList", version: "v1")))
        // Parameter names and values are case-sensitive: `As=Table` is an unknown parameter.
        #expect(try accepted("application/json;As=Table").transform == nil)
    }

    @Test("stream, sv and unknown parameters")
    func parameters() throws {
        #expect(try accepted("application/json;stream=watch", verb: .watch).encoding == .json)
        #expect(refused("application/json;stream=other") != nil)
        #expect(refused("application/yaml;stream=watch") != nil)
        #expect(try accepted("application/json;sv=v1").encoding == .json)
        #expect(refused("application/json;sv=v2") != nil)
        #expect(try accepted("application/json;pretty=1;export=1;charset=utf-8").encoding == .json)
    }

    @Test("a watch needs a stream encoding; a watch-list cannot be a Table")
    func watches() throws {
        let yamlWatch = refused("application/yaml", verb: .watch)
        #expect(yamlWatch?.code == 406)
        #expect(yamlWatch?.message == "only the following media types are accepted: application/json;stream=watch")
        #expect(try accepted("application/json;as=Table;v=v1;g=meta.k8s.io", verb: .watch).transform != nil)
        #expect(refused("application/json;as=Table;v=v1;g=meta.k8s.io", verb: .watch, watchList: true) != nil)
        #expect(
            try accepted(
                "application/json;as=Table;v=v1;g=meta.k8s.io, application/json", verb: .watch, watchList: true
            ).transform == nil)
    }
}

/// Protobuf, which kube-apiserver offers after JSON and YAML for its built-in kinds and
/// kubelet, kube-proxy and controllers ask for first.
@Suite("Resource content negotiation with protobuf")
struct ProtobufNegotiationTests {
    func negotiate(_ accept: String?, verb: APIVerb = .list, protobuf: Bool) -> Result<ResourceNegotiation, StatusError>
    {
        ResourceNegotiation.negotiate(accept: accept, verb: verb, protobuf: protobuf)
    }

    @Test("a built-in kind is answered in protobuf when the client asks for it first, JSON otherwise")
    func builtIn() throws {
        let kubelet = "application/vnd.kubernetes.protobuf, application/json"
        #expect(try negotiate(kubelet, protobuf: true).get().encoding == .protobuf)
        #expect(try negotiate(kubelet, verb: .watch, protobuf: true).get().encoding == .protobuf)
        #expect(try negotiate("application/vnd.kubernetes.protobuf", protobuf: true).get().encoding == .protobuf)
        #expect(
            try negotiate("application/json, application/vnd.kubernetes.protobuf", protobuf: true).get().encoding
                == .json)
        #expect(try negotiate("*/*", protobuf: true).get().encoding == .json)
        #expect(try negotiate(nil, protobuf: true).get().encoding == .json)
        #expect(
            try negotiate("application/vnd.kubernetes.protobuf;stream=watch", verb: .watch, protobuf: true).get()
                .encoding == .protobuf)
    }

    @Test(
        "a custom resource is JSON for kubelet's Accept and 406 for protobuf alone, as kube-apiserver's CRD handler answers"
    )
    func customResource() throws {
        #expect(
            try negotiate("application/vnd.kubernetes.protobuf, application/json", protobuf: false).get().encoding
                == .json)
        guard case .failure(let status) = negotiate("application/vnd.kubernetes.protobuf", protobuf: false) else {
            Issue.record("protobuf alone must be refused for a custom resource")
            return
        }
        #expect(status.code == 406)
    }

    @Test("406 of a built-in kind lists protobuf among the served types")
    func notAcceptable() {
        guard case .failure(let status) = negotiate("text/html", protobuf: true) else {
            Issue.record("text/html must be refused")
            return
        }
        #expect(
            status.message
                == "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf"
        )
    }

    @Test("PartialObjectMetadata can be protobuf; a Table never is")
    func transforms() throws {
        let informer =
            "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,"
            + "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
        #expect(
            try negotiate(informer, protobuf: true).get()
                == ResourceNegotiation(
                    encoding: .protobuf,
                    transform: .metadata(MetadataRequest(kind: "PartialObjectMetadataList", version: "v1"))))
        let table =
            "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, application/json;as=Table;v=v1;g=meta.k8s.io"
        #expect(
            try negotiate(table, protobuf: true).get()
                == ResourceNegotiation(encoding: .json, transform: .table(version: "v1")))
    }
}
