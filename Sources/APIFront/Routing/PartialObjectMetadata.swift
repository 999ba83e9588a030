import Endpoint
import KubeModel

extension MetadataRequest {
    /// The object reduced to its metadata, as apimachinery's `AsPartialObjectMetadata`.
    func partial(_ object: JSONValue) -> JSONValue {
        [
            "kind": "PartialObjectMetadata", "apiVersion": .string("meta.k8s.io/\(version)"),
            "metadata": object["metadata"] ?? [:],
        ]
    }

    /// A watch event with its object as a PartialObjectMetadata, as the apiserver's watch
    /// encoder transforms each object (bookmarks too); an ERROR's Status is left as it is.
    func frame(_ event: APIWatchEvent) -> APIWatchEvent {
        guard event.type != .error, let object = try? JSONValue(parsing: event.object) else { return event }
        return APIWatchEvent(type: event.type, rv: event.rv, object: partial(object).serialized())
    }

    /// A get or list body as the requested kind; a kind that does not fit the verb is
    /// 406, as the apiserver's `asPartialObjectMetadata(List)` answer. `info` and
    /// `subresource` name the Go type of the object the message quotes.
    func transform(_ body: [UInt8], verb: APIVerb, info: ResourceInfo, subresource: String? = nil) -> Result<
        [UInt8], FrontStatus
    > {
        guard let object = try? JSONValue(parsing: body) else { return .success(body) }
        let isList = verb == .list
        switch (kind, isList) {
        case ("PartialObjectMetadata", false):
            return .success(partial(object).serialized())
        case ("PartialObjectMetadataList", true):
            let items = (object["items"]?.arrayValue ?? []).map(partial)
            let list: JSONValue = [
                "kind": "PartialObjectMetadataList", "apiVersion": .string("meta.k8s.io/\(version)"),
                "metadata": object["metadata"] ?? [:], "items": .array(items),
            ]
            return .success(list.serialized())
        default:
            let type = Self.goType(info, subresource: subresource, list: isList)
            let message =
                isList
                ? "you requested PartialObjectMetadata, but the requested object is a list (\(type))"
                : "you requested PartialObjectMetadataList, but the requested object is not a list (\(type))"
            return .failure(FrontStatus(code: 406, reason: "NotAcceptable", message: message, details: nil))
        }
    }

    /// Go's `%T` of what the apiserver's registry returns for the request: the internal
    /// type of a built-in kind (`*core.Pod`, `*apps.DeploymentList`; events.k8s.io Events
    /// are `core` Events), `*autoscaling.Scale` for `/scale`, and unstructured objects for
    /// custom resources.
    static func goType(_ info: ResourceInfo, subresource: String?, list: Bool) -> String {
        if subresource == "scale" { return "*autoscaling.Scale" }
        if info.isCustom { return list ? "*unstructured.UnstructuredList" : "*unstructured.Unstructured" }
        let group = info.gvr.group
        let package =
            group.isEmpty || group == "events.k8s.io"
            ? "core" : String(group.prefix { $0 != "." })
        return "*\(package).\(list ? info.listKind : info.kind)"
    }
}
