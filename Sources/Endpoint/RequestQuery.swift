import KubeModel
import Projections

/// The query options of a request, parsed and validated the way kube-apiserver's
/// parameter codec and `ValidateListOptions` do before anything reaches storage.
struct RequestQuery: Sendable {
    /// The list and watch options, typed (the resourceVersion is parsed for list, watch
    /// and get requests; deletecollection ignores it, as the apiserver's does).
    var list = ListOptions()
    /// `resourceVersion` as sent (the option checks compare the text, as the apiserver's do).
    var resourceVersionText: String?
    var watch = false
    var dryRun = false
    var fieldManager: String?
    var force = false
    var gracePeriodSeconds: Int64?
    var propagationPolicy: String?
    var orphanDependents: Bool?

    /// Parses `query` for `verb` on `info`. Throws 400 for unparseable values and 422 for
    /// option combinations the apiserver rejects.
    static func parse(_ query: [String: [String]], verb: APIVerb, info: ResourceInfo) throws(StatusError)
        -> RequestQuery
    {
        var q = RequestQuery()
        func first(_ key: String) -> String? { query[key]?.first }

        q.watch = verb == .watch || QueryParameter.bool(query["watch"])

        if let s = first("labelSelector"), !s.isEmpty {
            do { q.list.labelSelector = try LabelSelector(parsing: s) } catch {
                throw StatusError.badRequest(error.message)
            }
        }
        if let s = first("fieldSelector"), !s.isEmpty {
            do {
                let selector = try FieldSelector(parsing: s)
                try selector.validate(for: info)
                q.list.fieldSelector = selector
            } catch {
                throw StatusError.badRequest(error.message)
            }
        }
        if let rv = first("resourceVersion"), !rv.isEmpty { q.resourceVersionText = rv }
        q.list.limit = try QueryParameter.int64(first("limit")).map { Int(clamping: $0) }
        if let c = first("continue"), !c.isEmpty { q.list.continueToken = c }
        q.list.timeoutSeconds = try QueryParameter.int64(first("timeoutSeconds"))
        q.list.allowWatchBookmarks = QueryParameter.bool(query["allowWatchBookmarks"])
        if let v = query["sendInitialEvents"], !v.isEmpty { q.list.sendInitialEvents = QueryParameter.bool(v) }
        let match = first("resourceVersionMatch") ?? ""

        if verb == .list || verb == .watch || verb == .deletecollection {
            let causes = q.watch ? watchCauses(q, match: match) : listCauses(q, match: match)
            if !causes.isEmpty { throw StatusError.invalidOptions("ListOptions", causes: causes) }
            q.list.resourceVersionMatch = ResourceVersionMatch(rawValue: match)
            if verb != .deletecollection, let text = q.resourceVersionText {
                guard let rv = UInt64(text) else { throw StatusError.badRequest("invalid resource version: \(text)") }
                q.list.resourceVersion = rv
            }
        }

        if verb.isWrite {
            let optionsKind: String
            switch verb {
            case .create: optionsKind = "CreateOptions"
            case .update: optionsKind = "UpdateOptions"
            case .patch: optionsKind = "PatchOptions"
            default: optionsKind = "DeleteOptions"
            }
            let dry = query["dryRun"] ?? []
            if !dry.isEmpty {
                if dry.allSatisfy({ $0 == "All" }) {
                    q.dryRun = true
                } else {
                    let goList = "[]string{" + dry.map { goQuoted($0) }.joined(separator: ", ") + "}"
                    throw StatusError.invalidOptions(
                        optionsKind,
                        causes: [
                            FieldError(
                                .notSupported, field: "dryRun", value: .raw(goList),
                                detail: "supported values: \"All\"")
                        ])
                }
            }
            if let m = first("fieldManager"), !m.isEmpty {
                if m.count > 128 {
                    throw StatusError.invalidOptions(
                        optionsKind, causes: [FieldError.tooLong("fieldManager", maxBytes: 128)])
                }
                q.fieldManager = m
            }
            q.force = QueryParameter.bool(query["force"])
            q.gracePeriodSeconds = try QueryParameter.int64(first("gracePeriodSeconds"))
            if let p = first("propagationPolicy"), !p.isEmpty { q.propagationPolicy = p }
            if let v = query["orphanDependents"], !v.isEmpty { q.orphanDependents = QueryParameter.bool(v) }
        }
        return q
    }

    private static func listCauses(_ q: RequestQuery, match: String) -> [FieldError] {
        var causes: [FieldError] = []
        if !match.isEmpty {
            if q.resourceVersionText == nil {
                causes.append(
                    .forbidden(
                        "resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"))
            }
            if q.list.continueToken != nil {
                causes.append(
                    .forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"))
            }
            if match != "Exact" && match != "NotOlderThan" {
                causes.append(.notSupported("resourceVersionMatch", match, supported: ["Exact", "NotOlderThan", ""]))
            }
            if match == "Exact" && q.resourceVersionText == "0" {
                causes.append(
                    .forbidden(
                        "resourceVersionMatch", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")
                )
            }
        }
        if q.list.sendInitialEvents != nil {
            causes.append(.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"))
        }
        return causes
    }

    private static func watchCauses(_ q: RequestQuery, match: String) -> [FieldError] {
        var causes: [FieldError] = []
        if q.list.sendInitialEvents != nil && match != "NotOlderThan" {
            causes.append(
                .forbidden(
                    "resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
        }
        if !match.isEmpty {
            if q.list.sendInitialEvents == nil {
                causes.append(
                    .forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
            }
            if match != "NotOlderThan" {
                causes.append(.notSupported("resourceVersionMatch", match, supported: ["NotOlderThan"]))
            }
            if q.list.continueToken != nil {
                causes.append(
                    .forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"))
            }
        }
        return causes
    }
}
