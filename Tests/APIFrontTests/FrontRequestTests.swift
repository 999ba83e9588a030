import Endpoint
import Hummingbird
import KubeModel
import Testing

@testable import APIFront

/// `FrontRequest.parse` decides what an HTTP request means without a socket, a body or
/// an Endpoint; these specify it the way the router's tests specify paths.
@Suite("What an HTTP request asks for")
struct FrontRequestTests {
    static let catalog = ResourceCatalog.builtIn()

    /// Parses `method target` with the given headers (the target includes the query).
    func parse(
        _ method: HTTPRequest.Method, _ target: String, accept: String? = nil, contentType: String? = nil,
        userAgent: String? = nil
    ) -> Result<FrontRequest, FrontRejection> {
        var headers = HTTPFields()
        if let accept { headers[.accept] = accept }
        if let contentType { headers[.contentType] = contentType }
        if let userAgent { headers[.userAgent] = userAgent }
        let head = HTTPRequest(method: method, scheme: "https", authority: "ake", path: target, headerFields: headers)
        let pathOnly = String(target.prefix { $0 != "?" })
        guard case .resource(let path)? = KubeRoute(path: pathOnly) else {
            Issue.record("\(pathOnly) is not a resource path")
            return .failure(FrontRejection(status: .notFound, label: method.rawValue))
        }
        return FrontRequest.parse(head, path: path, catalog: Self.catalog)
    }

    func request(
        _ method: HTTPRequest.Method, _ target: String, accept: String? = nil, contentType: String? = nil,
        userAgent: String? = nil
    ) throws -> FrontRequest {
        try parse(method, target, accept: accept, contentType: contentType, userAgent: userAgent).get()
    }

    func rejection(
        _ method: HTTPRequest.Method, _ target: String, accept: String? = nil, contentType: String? = nil
    ) -> FrontRejection? {
        if case .failure(let r) = parse(method, target, accept: accept, contentType: contentType) { return r }
        return nil
    }

    // MARK: verbs

    @Test("each method and path shape maps to its verb, as kube-apiserver's request info does")
    func verbs() throws {
        let cases: [(HTTPRequest.Method, String, APIVerb)] = [
            (.get, "/api/v1/namespaces/ns/configmaps/a", .get),
            (.get, "/api/v1/namespaces/ns/configmaps", .list),
            (.get, "/api/v1/configmaps", .list),
            (.get, "/api/v1/namespaces/ns/configmaps?watch=true", .watch),
            (.post, "/api/v1/namespaces/ns/configmaps", .create),
            (.put, "/api/v1/namespaces/ns/configmaps/a", .update),
            (.patch, "/api/v1/namespaces/ns/configmaps/a", .patch),
            (.delete, "/api/v1/namespaces/ns/configmaps/a", .delete),
            (.delete, "/api/v1/namespaces/ns/configmaps", .deletecollection),
            (.put, "/api/v1/namespaces/ns/pods/p/status", .update),
        ]
        for (method, target, verb) in cases {
            let contentType = method == .patch ? "application/merge-patch+json" : nil
            let parsed = try request(method, target, contentType: contentType)
            #expect(parsed.request.verb == verb, "\(method) \(target)")
            #expect(parsed.label == verb.rawValue.uppercased())
        }
    }

    @Test("namespace, name, subresource, resource and the client reach the request")
    func addressing() throws {
        let parsed = try request(
            .put, "/apis/apps/v1/namespaces/prod/deployments/web/scale", contentType: "application/json",
            userAgent: "kubectl/v1.32")
        #expect(parsed.request.resource == GroupVersionResource(group: "apps", version: "v1", resource: "deployments"))
        #expect(parsed.request.namespace == "prod")
        #expect(parsed.request.name == "web")
        #expect(parsed.request.subresource == "scale")
        #expect(parsed.request.client == "kubectl/v1.32")
        #expect(parsed.info.kind == "Deployment")
        #expect(try request(.get, "/api/v1/nodes").request.client == "unknown")
    }

    @Test("methods a path does not take are 405 MethodNotAllowed with the method as the metrics label")
    func methodNotAllowed() {
        #expect(
            rejection(.post, "/api/v1/namespaces/ns/configmaps/a")
                == FrontRejection(status: .methodNotAllowed(method: "POST"), label: "POST"))
        #expect(rejection(.put, "/api/v1/namespaces/ns/configmaps")?.status == .methodNotAllowed(method: "PUT"))
        #expect(rejection(.patch, "/api/v1/namespaces/ns/configmaps")?.status == .methodNotAllowed(method: "PATCH"))
        #expect(rejection(.options, "/api/v1/namespaces/ns/configmaps")?.status == .methodNotAllowed(method: "OPTIONS"))
        #expect(
            rejection(.delete, "/api/v1/watch/namespaces/ns/configmaps")?.status == .methodNotAllowed(method: "DELETE"))
    }

    @Test("unknown resources, namespaced paths of cluster resources and unserved subresources are 404")
    func notFound() {
        #expect(rejection(.get, "/api/v1/namespaces/ns/widgets")?.status == .notFound)
        #expect(rejection(.get, "/api/v1/namespaces/ns/nodes/n1")?.status == .notFound)
        #expect(rejection(.get, "/api/v1/namespaces/ns/configmaps/a/status")?.status == .notFound)
    }

    @Test("a malformed query string is 400")
    func malformedQuery() {
        #expect(
            rejection(.get, "/api/v1/configmaps?labelSelector=%G1")?.status == .malformed("malformed query string"))
    }

    // MARK: the watch flag

    @Test(
        "watch is true unless its first value is 0 or false in any case (apimachinery's Convert_Slice_string_To_bool)",
        arguments: [
            ("watch", true), ("watch=", true), ("watch=true", true), ("watch=True", true), ("watch=TRUE", true),
            ("watch=1", true), ("watch=t", true), ("watch=yes", true),
            ("watch=false", false), ("watch=False", false), ("watch=FALSE", false), ("watch=0", false),
            ("watch=false&watch=true", false), ("watch=true&watch=false", true), ("limit=5", false),
        ])
    func watchFlag(query: String, isWatch: Bool) throws {
        let parsed = try request(.get, "/api/v1/namespaces/ns/configmaps?\(query)")
        #expect(parsed.request.verb == (isWatch ? .watch : .list))
        // Counted, limited and Table-checked by the same decision.
        #expect(parsed.label == (isWatch ? "WATCH" : "LIST"))
        if isWatch { #expect(parsed.request.query["watch"] == nil) }
    }

    @Test("the rule is the one the Endpoint applies to in-process requests")
    func oneRule() {
        for value in ["", "true", "True", "1", "yes", "false", "False", "FALSE", "0"] {
            let http = (try? request(.get, "/api/v1/configmaps?watch=\(value)"))?.request.verb == .watch
            #expect(http == QueryParameter.bool([value]), "watch=\(value)")
        }
        #expect(QueryParameter.bool(nil) == false)
        #expect(QueryParameter.bool([]) == false)
    }

    @Test("a GET of one object with ?watch stays a get (kube-apiserver serves the object)")
    func namedGetIgnoresWatch() throws {
        let parsed = try request(.get, "/api/v1/namespaces/ns/configmaps/a?watch=true")
        #expect(parsed.request.verb == .get)
        #expect(parsed.request.name == "a")
    }

    @Test("a legacy /watch/ of a named object watches its collection selected by metadata.name")
    func namedWatch() throws {
        let parsed = try request(.get, "/api/v1/watch/namespaces/ns/configmaps/a")
        #expect(parsed.request.verb == .watch)
        #expect(parsed.request.name == nil)
        #expect(parsed.request.namespace == "ns")
        #expect(parsed.request.query["fieldSelector"] == ["metadata.name=a"])

        let narrowed = try request(
            .get, "/api/v1/watch/namespaces/ns/configmaps/a?fieldSelector=metadata.namespace%3Dns")
        #expect(narrowed.request.query["fieldSelector"] == ["metadata.namespace=ns,metadata.name=a"])

        let collection = try request(.get, "/apis/apps/v1/watch/deployments?watch=false")
        #expect(collection.request.verb == .watch)
        #expect(collection.request.query["watch"] == nil)
    }

    // MARK: media types

    @Test("Accept picks JSON, YAML or (built-in kinds) protobuf; nothing producible is 406")
    func encodings() throws {
        #expect(try request(.get, "/api/v1/configmaps").encoding == .json)
        #expect(try request(.get, "/api/v1/configmaps", accept: "application/yaml").encoding == .yaml)
        #expect(
            try request(.get, "/api/v1/configmaps", accept: "application/vnd.kubernetes.protobuf, application/json")
                .encoding == .protobuf)
        // A built-in kind's 406 lists protobuf among the served types, as kube-apiserver's does.
        #expect(
            rejection(.get, "/api/v1/configmaps", accept: "text/html")?.status
                == .notAcceptable(["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]))
    }

    @Test(
        "Table requests carry their version and includeObject; a bad includeObject on a watch is 400 before streaming")
    func tables() throws {
        let table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        let list = try request(.get, "/api/v1/configmaps?includeObject=Object", accept: table)
        #expect(list.table == TableRequest(version: "v1", includeObject: "Object", problem: nil))
        let beta = try request(.get, "/api/v1/configmaps", accept: "application/json;as=Table;v=v1beta1;g=meta.k8s.io")
        #expect(beta.table?.version == "v1beta1")
        #expect(beta.table?.includeObject == "Metadata")
        #expect(try request(.get, "/api/v1/configmaps").table == nil)

        // get and list answer the 400 after reading (as the apiserver's transform does); a watch at once.
        let badList = try request(.get, "/api/v1/configmaps?includeObject=All", accept: table)
        #expect(badList.table?.problem != nil)
        let badWatch = rejection(.get, "/api/v1/configmaps?watch&includeObject=All", accept: table)
        #expect(badWatch?.status.code == 400)
        #expect(badWatch?.label == "WATCH")
        #expect(badWatch?.status.message.contains("includeObject") == true)
        // Without a Table the parameter is not looked at.
        #expect(try request(.get, "/api/v1/configmaps?watch&includeObject=All").request.verb == .watch)
    }

    @Test("PartialObjectMetadata(List) requests carry kind and version; the first acceptable range wins")
    func partialObjectMetadata() throws {
        let get = try request(
            .get, "/api/v1/namespaces/default/configmaps/a",
            accept: "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json")
        #expect(get.metadata == MetadataRequest(kind: "PartialObjectMetadata", version: "v1"))
        let list = try request(
            .get, "/api/v1/configmaps", accept: "application/json;as=PartialObjectMetadataList;v=v1beta1;g=meta.k8s.io")
        #expect(list.metadata == MetadataRequest(kind: "PartialObjectMetadataList", version: "v1beta1"))
        let watch = try request(
            .get, "/api/v1/configmaps?watch=1", accept: "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io")
        #expect(watch.request.verb == .watch)
        #expect(watch.metadata?.kind == "PartialObjectMetadata")
        // An unsupported `as=` range is skipped; a plain range before it wins.
        #expect(
            try request(
                .get, "/api/v1/configmaps",
                accept:
                    "application/json;as=Foo;v=v1;g=meta.k8s.io,application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
            ).metadata?.kind == "PartialObjectMetadataList")
        #expect(
            try request(
                .get, "/api/v1/configmaps",
                accept: "application/json,application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
            ).metadata == nil)
        // Another group, or no version, is not a metadata request.
        #expect(
            try request(
                .get, "/api/v1/configmaps",
                accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io,application/json"
            )
            .metadata == nil)
        #expect(try request(.get, "/api/v1/configmaps").metadata == nil)
    }

    @Test("get and list bodies become PartialObjectMetadata(List); a kind that does not fit the verb is 406")
    func partialObjectMetadataBodies() throws {
        let configMaps = try #require(Self.catalog.resource(group: "", version: "v1", resource: "configmaps"))
        let object = Array(#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a"},"data":{"k":"v"}}"#.utf8)
        let one = try MetadataRequest(kind: "PartialObjectMetadata", version: "v1")
            .transform(object, verb: .get, info: configMaps).get()
        #expect(
            try JSONValue(parsing: one)
                == ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": ["name": "a"]])
        let listBody = Array(
            #"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"name":"a"},"data":{}}]}"#
                .utf8)
        let list = try JSONValue(
            parsing: MetadataRequest(kind: "PartialObjectMetadataList", version: "v1beta1")
                .transform(listBody, verb: .list, info: configMaps).get())
        #expect(list["kind"] == "PartialObjectMetadataList")
        #expect(list["metadata"] == ["resourceVersion": "7"])
        #expect(list["items"]?.arrayValue?.first?["kind"] == "PartialObjectMetadata")
        #expect(list["items"]?.arrayValue?.first?["data"] == nil)
        guard
            case .failure(let s) = MetadataRequest(kind: "PartialObjectMetadata", version: "v1").transform(
                listBody, verb: .list, info: configMaps)
        else {
            Issue.record("a list as PartialObjectMetadata must be 406")
            return
        }
        #expect(s.code == 406)
        #expect(
            s.message == "you requested PartialObjectMetadata, but the requested object is a list (*core.ConfigMapList)"
        )
        #expect(s.details == nil)
        guard
            case .failure(let one406) = MetadataRequest(kind: "PartialObjectMetadataList", version: "v1").transform(
                object, verb: .get, info: configMaps)
        else {
            Issue.record("an object as PartialObjectMetadataList must be 406")
            return
        }
        #expect(
            one406.message
                == "you requested PartialObjectMetadataList, but the requested object is not a list (*core.ConfigMap)")
    }

    @Test("the Go type a PartialObjectMetadata 406 quotes: internal built-in types, unstructured custom resources")
    func goTypes() throws {
        let catalog = Self.catalog
        let deployments = try #require(catalog.resource(group: "apps", version: "v1", resource: "deployments"))
        #expect(MetadataRequest.goType(deployments, subresource: nil, list: true) == "*apps.DeploymentList")
        #expect(MetadataRequest.goType(deployments, subresource: "scale", list: false) == "*autoscaling.Scale")
        let events = try #require(catalog.resource(group: "events.k8s.io", version: "v1", resource: "events"))
        #expect(MetadataRequest.goType(events, subresource: nil, list: false) == "*core.Event")
        let ingresses = try #require(catalog.resource(group: "networking.k8s.io", version: "v1", resource: "ingresses"))
        #expect(MetadataRequest.goType(ingresses, subresource: nil, list: false) == "*networking.Ingress")
        let widgets = ResourceInfo(
            gvr: GroupVersionResource(group: "example.com", version: "v1", resource: "widgets"), kind: "Widget",
            namespaced: true, isCustom: true)
        #expect(MetadataRequest.goType(widgets, subresource: nil, list: true) == "*unstructured.UnstructuredList")
    }

    @Test("negotiation follows routing: an unknown resource is 404 and a bad method 405 whatever Accept says")
    func negotiationAfterRouting() throws {
        #expect(rejection(.get, "/api/v1/nosuchthings", accept: "text/html")?.status.code == 404)
        #expect(rejection(.put, "/api/v1/namespaces/ns/configmaps", accept: "text/html")?.status.code == 405)
        let unsupported = rejection(.get, "/api/v1/configmaps", accept: "application/json;as=Foo;v=v1;g=meta.k8s.io")
        #expect(
            unsupported?.status
                == .notAcceptable(["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]))
        #expect(unsupported?.label == "LIST")
        let yamlWatch = rejection(.get, "/api/v1/configmaps?watch=1", accept: "application/yaml")
        #expect(yamlWatch?.status.code == 406)
        #expect(yamlWatch?.label == "WATCH")
        let watchListTable = rejection(
            .get, "/api/v1/configmaps?watch=1&sendInitialEvents=true&allowWatchBookmarks=true",
            accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
        #expect(watchListTable?.status.code == 406)
        #expect(
            try request(.get, "/api/v1/configmaps", accept: "application/yaml;as=Table;v=v1;g=meta.k8s.io").table?
                .version == "v1")
    }

    @Test("write bodies: object types for create and update, patch types for patch; others are 415")
    func bodyTypes() throws {
        #expect(try request(.post, "/api/v1/namespaces/ns/configmaps").body == .object(.json))
        #expect(
            try request(.post, "/api/v1/namespaces/ns/configmaps", contentType: "application/yaml").body
                == .object(.yaml))
        #expect(
            try request(.put, "/api/v1/namespaces/ns/configmaps/a", contentType: "application/vnd.kubernetes.protobuf")
                .body == .object(.protobuf))
        #expect(
            try request(.patch, "/api/v1/namespaces/ns/configmaps/a", contentType: "application/apply-patch+yaml")
                .body == .object(.applyPatch))
        #expect(
            try request(.delete, "/api/v1/namespaces/ns/configmaps/a", contentType: "application/json").body
                == .deleteOptions(mediaType: "application/json"))
        #expect(try request(.get, "/api/v1/configmaps").body == BodyPlan.none)

        let patchAsCreate = rejection(
            .post, "/api/v1/namespaces/ns/configmaps", contentType: "application/merge-patch+json")
        #expect(
            patchAsCreate?.status
                == .unsupportedMediaType("application/merge-patch+json", accepted: BodyType.objectTypes))
        #expect(patchAsCreate?.label == "CREATE")
        #expect(
            rejection(.patch, "/api/v1/namespaces/ns/configmaps/a", contentType: "application/json")?.status
                == .unsupportedMediaType("application/json", accepted: BodyType.patchTypes))
        #expect(
            rejection(.patch, "/api/v1/namespaces/ns/configmaps/a")?.status
                == .unsupportedMediaType("", accepted: BodyType.patchTypes))
    }

    @Test("bodies reach the Endpoint as JSON: YAML converted, JSON apply patches kept, empty DeleteOptions dropped")
    func bodies() throws {
        let yaml = try request(.post, "/api/v1/namespaces/ns/configmaps", contentType: "application/yaml")
        let created = try yaml.decodeBody(Array("kind: ConfigMap\nmetadata:\n  name: a\n".utf8)).get()
        #expect(try JSONValue(parsing: created.body ?? []) == ["kind": "ConfigMap", "metadata": ["name": "a"]])
        #expect(created.contentType == "application/json")

        let apply = try request(
            .patch, "/api/v1/namespaces/ns/configmaps/a", contentType: "application/apply-patch+yaml")
        let json = Array("{\"kind\":\"ConfigMap\"}".utf8)
        #expect(try apply.decodeBody(json).get().body == json)
        #expect(try apply.decodeBody(json).get().contentType == "application/apply-patch+yaml")

        let delete = try request(.delete, "/api/v1/namespaces/ns/configmaps/a")
        #expect(try delete.decodeBody([]).get().body == nil)

        guard case .failure(let status) = yaml.decodeBody([0xFF, 0xFE]) else {
            Issue.record("invalid UTF-8 was accepted")
            return
        }
        #expect(status == .malformed("the request body is not valid UTF-8"))
    }
}

@Suite("Metadata-only watches")
struct PartialObjectMetadataWatchTests {
    @Test("each watch event's object becomes a PartialObjectMetadata; an ERROR Status stays as it is")
    func framesEvents() throws {
        let metadata = MetadataRequest(kind: "PartialObjectMetadata", version: "v1")
        let pod: JSONValue = [
            "kind": "Pod", "apiVersion": "v1", "metadata": ["name": "p", "resourceVersion": "7"],
            "spec": ["containers": []],
        ]
        let framed = metadata.frame(APIWatchEvent(type: .added, rv: 7, object: try pod.serialized()))
        let object = try JSONValue(parsing: framed.object)
        #expect(object["kind"] == "PartialObjectMetadata")
        #expect(object["apiVersion"] == "meta.k8s.io/v1")
        #expect(object["metadata"] == pod["metadata"])
        #expect(object["spec"] == nil)
        #expect(framed.type == .added && framed.rv == 7)

        let status = try StatusError.notFound(("", "pods"), name: "p").statusObject().serialized()
        let error = metadata.frame(APIWatchEvent(type: .error, rv: 0, object: status))
        #expect(error.object == status)
    }
}
