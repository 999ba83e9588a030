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
        guard event.type != .error, let object = try? JSONValue(parsing: event.object),
            let bytes = try? partial(object).serialized()
        else { return event }
        return APIWatchEvent(type: event.type, rv: event.rv, object: bytes)
    }

    /// A get or list body as the requested kind; a kind that does not fit the verb is
    /// 406, as the apiserver's `asPartialObjectMetadata(List)` answer.
    func transform(_ body: [UInt8], verb: APIVerb) -> Result<[UInt8], FrontStatus> {
        guard let object = try? JSONValue(parsing: body) else { return .success(body) }
        let isList = verb == .list
        switch (kind, isList) {
        case ("PartialObjectMetadata", false):
            return .success((try? partial(object).serialized()) ?? body)
        case ("PartialObjectMetadataList", true):
            let items = (object["items"]?.arrayValue ?? []).map(partial)
            let list: JSONValue = [
                "kind": "PartialObjectMetadataList", "apiVersion": .string("meta.k8s.io/\(version)"),
                "metadata": object["metadata"] ?? [:], "items": .array(items),
            ]
            return .success((try? list.serialized()) ?? body)
        default:
            let message =
                isList
                ? "you requested PartialObjectMetadata, but the requested object is a list"
                : "you requested PartialObjectMetadataList, but the requested object is not a list"
            return .failure(FrontStatus(code: 406, reason: "NotAcceptable", message: message, details: StatusDetails()))
        }
    }
}
