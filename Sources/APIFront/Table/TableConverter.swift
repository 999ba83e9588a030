import Endpoint
import Foundation
import Hummingbird
import KubeModel

/// Server-side printing: turns a get/list answer into a `meta.k8s.io` `Table` when the
/// client asks for one (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), with
/// kubectl's columns for common kinds, a CRD's `additionalPrinterColumns`, or NAME/AGE.
struct TableConverter {
    struct Column {
        var name: String
        var type: String
        var format: String = ""
        var description: String = ""
        var priority: Int = 0
        var cell: (JSONValue) -> JSONValue
    }

    /// The apiserver's 400 message for an `includeObject` that `ValidateTableOptions`
    /// rejects (k8s.io/apiserver endpoints/handlers/response.go `optionsForTransform`), nil when valid.
    static func invalidIncludeObject(_ value: String?) -> String? {
        guard let value, !["", "Metadata", "None", "Object"].contains(value) else { return nil }
        return "Unable to convert to Table as requested: includeObject: Invalid value: \(goQuoted(value)): "
            + "must be 'Metadata', 'Object', 'None', or empty"
    }

    let info: ResourceInfo
    let now: Date
    /// A `/scale` answer (an autoscaling/v1 Scale), printed with `printScale`'s columns.
    var scale = false

    func columns() -> [Column] {
        let name = Column(
            name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace."
        ) {
            .string($0["metadata"]?["name"]?.stringValue ?? "")
        }
        if scale {
            return [
                name,
                Column(
                    name: "Desired", type: "integer",
                    description: "replicas is the desired number of instances for the scaled object."
                ) { .number(JSONNumber($0["spec"]?["replicas"]?.int64Value ?? 0)) },
                Column(
                    name: "Available", type: "integer",
                    description: "replicas is the actual number of observed instances of the scaled object."
                ) { .number(JSONNumber($0["status"]?["replicas"]?.int64Value ?? 0)) },
            ]
        }
        let age = Column(name: "Age", type: "string", description: "CreationTimestamp.") {
            .string(Self.age($0["metadata"]?["creationTimestamp"]?.stringValue, now: now))
        }
        if info.isCustom {
            if info.printerColumns.isEmpty { return [name, age] }
            return [name]
                + info.printerColumns.map { c in
                    Column(
                        name: c.name, type: c.type, format: c.format, description: c.description, priority: c.priority
                    ) { Self.jsonPath(c.jsonPath, in: $0) ?? .null }
                }
        }
        func s(_ path: [String]) -> (JSONValue) -> JSONValue { { .string($0[path: path]?.stringValue ?? "") } }
        switch (info.gvr.group, info.gvr.resource) {
        case ("", "pods"):
            return [
                name,
                Column(name: "Ready", type: "string") { pod in
                    let total = pod["spec"]?["containers"]?.arrayValue?.count ?? 0
                    let ready =
                        pod["status"]?["containerStatuses"]?.arrayValue?.filter { $0["ready"]?.boolValue == true }.count
                        ?? 0
                    return .string("\(ready)/\(total)")
                },
                Column(name: "Status", type: "string") { pod in
                    if pod["metadata"]?["deletionTimestamp"] != nil { return "Terminating" }
                    return .string(
                        pod["status"]?["reason"]?.stringValue ?? pod["status"]?["phase"]?.stringValue ?? "Pending")
                },
                Column(name: "Restarts", type: "string") { pod in
                    let n = pod["status"]?["containerStatuses"]?.arrayValue?.reduce(Int64(0)) {
                        $0 + ($1["restartCount"]?.int64Value ?? 0)
                    }
                    return .string(String(n ?? 0))
                },
                age,
                Column(name: "IP", type: "string", priority: 1) {
                    .string($0["status"]?["podIP"]?.stringValue ?? "<none>")
                },
                Column(name: "Node", type: "string", priority: 1) {
                    .string($0["spec"]?["nodeName"]?.stringValue ?? "<none>")
                },
            ]
        case ("", "nodes"):
            return [
                name,
                Column(name: "Status", type: "string") { node in
                    let ready = node["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "Ready" }
                    var status =
                        ready == nil ? "Unknown" : ready?["status"]?.stringValue == "True" ? "Ready" : "NotReady"
                    if node["spec"]?["unschedulable"]?.boolValue == true { status += ",SchedulingDisabled" }
                    return .string(status)
                },
                Column(name: "Roles", type: "string") { node in
                    let roles = (node["metadata"]?["labels"]?.objectValue?.keys ?? []).compactMap {
                        $0.hasPrefix("node-role.kubernetes.io/") ? String($0.dropFirst(24)) : nil
                    }
                    return .string(roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ","))
                },
                age,
                Column(name: "Version", type: "string", cell: s(["status", "nodeInfo", "kubeletVersion"])),
            ]
        case ("", "services"):
            return [
                name, Column(name: "Type", type: "string", cell: s(["spec", "type"])),
                Column(name: "Cluster-IP", type: "string", cell: s(["spec", "clusterIP"])),
                Column(name: "External-IP", type: "string") { svc in
                    let ips = svc["spec"]?["externalIPs"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    return .string(ips.isEmpty ? "<none>" : ips.joined(separator: ","))
                },
                Column(name: "Port(s)", type: "string") { svc in
                    let ports = (svc["spec"]?["ports"]?.arrayValue ?? []).map { p -> String in
                        let port = p["port"]?.int64Value.map { String($0) } ?? ""
                        let node = p["nodePort"]?.int64Value.map { ":\($0)" } ?? ""
                        return "\(port)\(node)/\(p["protocol"]?.stringValue ?? "TCP")"
                    }
                    return .string(ports.isEmpty ? "<none>" : ports.joined(separator: ","))
                },
                age,
                Column(name: "Selector", type: "string", priority: 1) { svc in
                    let sel = svc["spec"]?["selector"]?.objectValue.map { o in
                        o.map { "\($0.key)=\($0.value.stringValue ?? "")" }.sorted().joined(separator: ",")
                    }
                    return .string(sel.flatMap { $0.isEmpty ? nil : $0 } ?? "<none>")
                },
            ]
        case ("apps", "deployments"):
            func n(_ d: JSONValue, _ k: String) -> Int64 { d["status"]?[k]?.int64Value ?? 0 }
            return [
                name,
                Column(name: "Ready", type: "string") {
                    .string("\(n($0, "readyReplicas"))/\($0["spec"]?["replicas"]?.int64Value ?? 1)")
                },
                Column(name: "Up-to-date", type: "integer") { .number(JSONNumber(n($0, "updatedReplicas"))) },
                Column(name: "Available", type: "integer") { .number(JSONNumber(n($0, "availableReplicas"))) },
                age,
            ]
        case ("", "configmaps"):
            return [
                name,
                Column(name: "Data", type: "integer") {
                    .number(
                        JSONNumber(($0["data"]?.objectValue?.count ?? 0) + ($0["binaryData"]?.objectValue?.count ?? 0)))
                }, age,
            ]
        case ("", "secrets"):
            return [
                name, Column(name: "Type", type: "string", cell: s(["type"])),
                Column(name: "Data", type: "integer") { .number(JSONNumber($0["data"]?.objectValue?.count ?? 0)) }, age,
            ]
        case ("", "namespaces"):
            return [
                name,
                Column(name: "Status", type: "string") { .string($0["status"]?["phase"]?.stringValue ?? "Active") },
                age,
            ]
        case ("", "events"), ("events.k8s.io", "events"):
            return [
                Column(name: "Last Seen", type: "string") {
                    .string(
                        Self.age(
                            $0["lastTimestamp"]?.stringValue ?? $0["eventTime"]?.stringValue
                                ?? $0["metadata"]?["creationTimestamp"]?.stringValue, now: now))
                },
                Column(name: "Type", type: "string", cell: s(["type"])),
                Column(name: "Reason", type: "string", cell: s(["reason"])),
                Column(name: "Object", type: "string") { e in
                    let o = e["involvedObject"] ?? e["regarding"]
                    return .string(
                        "\((o?["kind"]?.stringValue ?? "").lowercased())/\(o?["name"]?.stringValue ?? "")")
                },
                Column(name: "Message", type: "string") {
                    .string($0["message"]?.stringValue ?? $0["note"]?.stringValue ?? "")
                },
            ]
        default:
            return [name, age]
        }
    }

    /// Converts an object or list body into a Table body. With `noHeaders` the Table's
    /// `columnDefinitions` is `null`, as the apiserver sends it after a watch's first event.
    func table(body: [UInt8], version: String, includeObject: String, noHeaders: Bool = false) -> [UInt8]? {
        guard let value = try? JSONValue(parsing: body), value["kind"]?.stringValue != "Status" else { return nil }
        let isList = value["items"] != nil
        let items = isList ? (value["items"]?.arrayValue ?? []) : [value]
        let cols = columns()
        var rows: [JSONValue] = []
        for item in items {
            var row = JSONObject([("cells", .array(cols.map { $0.cell(item) }))])
            switch includeObject {
            case "None": break
            case "Object": row["object"] = item
            default:
                row["object"] = [
                    "kind": "PartialObjectMetadata", "apiVersion": .string("meta.k8s.io/\(version)"),
                    "metadata": item["metadata"] ?? [:],
                ]
            }
            rows.append(.object(row))
        }
        var metadata = JSONObject()
        if isList {
            if let rv = value["metadata"]?["resourceVersion"] { metadata["resourceVersion"] = rv }
            if let c = value["metadata"]?["continue"], c.stringValue != "" { metadata["continue"] = c }
            if let r = value["metadata"]?["remainingItemCount"] { metadata["remainingItemCount"] = r }
        } else if let rv = value["metadata"]?["resourceVersion"] {
            metadata["resourceVersion"] = rv
        }
        let table: JSONValue = [
            "kind": "Table", "apiVersion": .string("meta.k8s.io/\(version)"), "metadata": .object(metadata),
            "columnDefinitions": noHeaders
                ? .null
                : .array(
                    cols.map {
                        [
                            "name": .string($0.name), "type": .string($0.type), "format": .string($0.format),
                            "description": .string($0.description), "priority": .number(JSONNumber($0.priority)),
                        ]
                    }),
            "rows": .array(rows),
        ]
        return table.serialized()
    }

    /// A simple `.a.b` JSONPath (what printer columns almost always use).
    static func jsonPath(_ path: String, in object: JSONValue) -> JSONValue? {
        let trimmed = path.hasPrefix("{") && path.hasSuffix("}") ? String(path.dropFirst().dropLast()) : path
        let parts = trimmed.split(separator: ".").map(String.init)
        return object[path: parts]
    }

    /// apimachinery's `duration.HumanDuration` of the time since an RFC 3339 timestamp.
    static func age(_ timestamp: String?, now: Date) -> String {
        guard let timestamp, let t = ISO8601DateFormatter().date(from: timestamp) else { return "<unknown>" }
        let seconds = max(0, Int(now.timeIntervalSince(t)))
        if seconds < 120 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 { return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s" }
        if minutes < 180 { return "\(minutes)m" }
        let hours = minutes / 60
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        let days = hours / 24
        if days < 8 { return hours % 24 == 0 ? "\(days)d" : "\(days)d\(hours % 24)h" }
        if days < 365 * 2 { return "\(days)d" }
        return "\(days / 365)y"
    }
}

/// Table framing of a watch (`kubectl get -w`): every event's object becomes a Table
/// holding that object's row, like the apiserver's `watchEmbeddedEncoder`
/// (k8s.io/apiserver/pkg/endpoints/handlers/response.go): only the first encoded event
/// carries `columnDefinitions` (later ones have `null`; kubectl reuses the columns it
/// saw last); BOOKMARK objects are converted like any object; ERROR Status objects pass
/// unchanged but still use up the headers, as `doEncode` sets `NoHeaders` after any event.
struct TableWatchFraming: Sendable {
    let info: ResourceInfo
    let version: String
    let includeObject: String
    /// Whether an event was framed already (later Tables carry no column definitions).
    var headersSent = false

    init(info: ResourceInfo, version: String, includeObject: String) {
        self.info = info
        self.version = version
        self.includeObject = includeObject
    }

    /// The event with its object in Table form (a Status object is left as it is).
    mutating func frame(_ event: APIWatchEvent, now: Date = Date()) -> APIWatchEvent {
        defer { headersSent = true }
        guard
            let table = TableConverter(info: info, now: now).table(
                body: event.object, version: version, includeObject: includeObject, noHeaders: headersSent)
        else { return event }
        return APIWatchEvent(type: event.type, rv: event.rv, object: table)
    }
}

extension APIFront {
    /// The response body in Table form when the client asked for one (get and list only).
    func tableIfAsked(_ response: APIResponse, _ parsed: FrontRequest) -> [UInt8] {
        let verb = parsed.request.verb
        guard response.code == 200, verb == .get || verb == .list, let table = parsed.table else {
            return response.body
        }
        var converter = TableConverter(info: parsed.info, now: Date())
        converter.scale = parsed.request.subresource == "scale"
        return converter.table(body: response.body, version: table.version, includeObject: table.includeObject)
            ?? response.body
    }
}
