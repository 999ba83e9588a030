import KubeModel

/// DeleteOptions from the query and (overriding it, as the apiserver does) the body.
struct DeleteRequestOptions: Sendable {
    var gracePeriodSeconds: Int64?
    var propagation: PropagationPolicy = .background
    var preconditionUID: String?
    var preconditionResourceVersion: String?
    var dryRun = false

    static func parse(query: RequestQuery, body: [UInt8]?) throws -> DeleteRequestOptions {
        var grace = query.gracePeriodSeconds
        var policy = query.propagationPolicy
        var orphan = query.orphanDependents
        var dryRun = query.dryRun
        var options = DeleteRequestOptions()
        if let body, !body.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            let json: JSONValue
            do { json = try JSONValue(parsing: body) } catch {
                throw StatusError.badRequest(
                    "the object provided is unrecognized (must be of type DeleteOptions): couldn't get version/kind; json parse error: \(error.description)"
                )
            }
            guard json.objectValue != nil else {
                throw StatusError.badRequest(
                    "the object provided is unrecognized (must be of type DeleteOptions): expected a JSON object")
            }
            if let g = json["gracePeriodSeconds"], !g.isNull {
                guard let v = g.int64Value else {
                    throw StatusError.badRequest(
                        "DeleteOptions in version \"v1\" cannot be handled as a DeleteOptions: gracePeriodSeconds must be an integer"
                    )
                }
                grace = v
            }
            if let p = json["propagationPolicy"]?.stringValue { policy = p }
            if let o = json["orphanDependents"]?.boolValue { orphan = o }
            if let pre = json["preconditions"] {
                options.preconditionUID = pre["uid"]?.stringValue
                options.preconditionResourceVersion = pre["resourceVersion"]?.stringValue
            }
            if let d = json["dryRun"]?.arrayValue {
                let values = d.compactMap(\.stringValue)
                if !values.isEmpty {
                    guard values.allSatisfy({ $0 == "All" }) else {
                        let goList = "[]string{" + values.map { goQuoted($0) }.joined(separator: ", ") + "}"
                        throw StatusError.invalidOptions(
                            "DeleteOptions",
                            causes: [
                                FieldError(
                                    .notSupported, field: "dryRun", value: .raw(goList),
                                    detail: "supported values: \"All\"")
                            ])
                    }
                    dryRun = true
                }
            }
        }
        var causes: [FieldError] = []
        if let policy {
            if let p = PropagationPolicy(rawValue: policy) {
                options.propagation = p
            } else {
                causes.append(
                    .notSupported(
                        "propagationPolicy", policy, supported: ["Foreground", "Background", "Orphan", "nil"]))
            }
            if orphan != nil {
                causes.append(
                    .invalid("propagationPolicy", policy, "orphanDependents and deletionPropagation cannot be both set")
                )
            }
        } else if orphan == true {
            options.propagation = .orphan
        }
        if !causes.isEmpty { throw StatusError.invalidOptions("DeleteOptions", causes: causes) }
        options.gracePeriodSeconds = grace
        options.dryRun = dryRun
        return options
    }
}
