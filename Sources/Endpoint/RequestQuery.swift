import KubeModel
import Projections

/// The query options of a request, parsed and validated the way kube-apiserver's
/// parameter codec and `ValidateListOptions` do before anything reaches storage.
struct RequestQuery: Sendable {
    var labelSelector: LabelSelector?
    var fieldSelector: FieldSelector?
    var resourceVersion: String?
    var resourceVersionMatch: ResourceVersionMatch?
    var limit: Int?
    var continueToken: String?
    var timeoutSeconds: Int64?
    var allowWatchBookmarks = false
    var sendInitialEvents: Bool?
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

        q.watch = verb == .watch || boolValue(query["watch"])

        if let s = first("labelSelector"), !s.isEmpty {
            do { q.labelSelector = try LabelSelector(parsing: s) } catch { throw APIErrors.badRequest(error.message) }
        }
        if let s = first("fieldSelector"), !s.isEmpty {
            do {
                let selector = try FieldSelector(parsing: s)
                try selector.validate(for: info)
                q.fieldSelector = selector
            } catch {
                throw APIErrors.badRequest(error.message)
            }
        }
        if let rv = first("resourceVersion"), !rv.isEmpty { q.resourceVersion = rv }
        q.limit = try intValue(first("limit")).map { Int(clamping: $0) }
        if let c = first("continue"), !c.isEmpty { q.continueToken = c }
        q.timeoutSeconds = try intValue(first("timeoutSeconds"))
        q.allowWatchBookmarks = boolValue(query["allowWatchBookmarks"])
        if let v = query["sendInitialEvents"], !v.isEmpty { q.sendInitialEvents = boolValue(v) }
        let match = first("resourceVersionMatch") ?? ""

        if verb == .list || verb == .watch || verb == .deletecollection {
            let causes = q.watch ? watchCauses(q, match: match) : listCauses(q, match: match)
            if !causes.isEmpty { throw APIErrors.invalidOptions("ListOptions", causes: causes) }
            switch match {
            case "Exact": q.resourceVersionMatch = .exact
            case "NotOlderThan": q.resourceVersionMatch = .notOlderThan
            default: q.resourceVersionMatch = nil
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
                    let goList = "[]string{" + dry.map { FieldCause.quoted($0) }.joined(separator: ", ") + "}"
                    throw APIErrors.invalidOptions(
                        optionsKind,
                        causes: [
                            FieldCause(
                                reason: "FieldValueNotSupported", field: "dryRun",
                                message: "Unsupported value: \(goList): supported values: \"All\"")
                        ])
                }
            }
            if let m = first("fieldManager"), !m.isEmpty {
                if m.count > 128 {
                    throw APIErrors.invalidOptions(
                        optionsKind, causes: [FieldCause.tooLong("fieldManager", 128)])
                }
                q.fieldManager = m
            }
            q.force = boolValue(query["force"])
            q.gracePeriodSeconds = try intValue(first("gracePeriodSeconds"))
            if let p = first("propagationPolicy"), !p.isEmpty { q.propagationPolicy = p }
            if let v = query["orphanDependents"], !v.isEmpty { q.orphanDependents = boolValue(v) }
        }
        return q
    }

    /// apimachinery's `Convert_Slice_string_To_bool`: anything but `false`/`0` is true.
    static func boolValue(_ values: [String]?) -> Bool {
        guard let v = values?.first else { return false }
        switch v.lowercased() {
        case "false", "0": return false
        default: return true
        }
    }

    /// `strconv.ParseInt` with the apiserver's 400 wording.
    static func intValue(_ s: String?) throws(StatusError) -> Int64? {
        guard let s else { return nil }
        if s.isEmpty { return nil }
        guard let v = Int64(s) else {
            throw APIErrors.badRequest("strconv.ParseInt: parsing \(FieldCause.quoted(s)): invalid syntax")
        }
        return v
    }

    private static func listCauses(_ q: RequestQuery, match: String) -> [FieldCause] {
        var causes: [FieldCause] = []
        if !match.isEmpty {
            if q.resourceVersion == nil {
                causes.append(
                    .forbidden(
                        "resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"))
            }
            if q.continueToken != nil {
                causes.append(
                    .forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"))
            }
            if match != "Exact" && match != "NotOlderThan" {
                causes.append(.notSupported("resourceVersionMatch", match, ["Exact", "NotOlderThan", ""]))
            }
            if match == "Exact" && q.resourceVersion == "0" {
                causes.append(
                    .forbidden(
                        "resourceVersionMatch", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")
                )
            }
        }
        if q.sendInitialEvents != nil {
            causes.append(.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"))
        }
        return causes
    }

    private static func watchCauses(_ q: RequestQuery, match: String) -> [FieldCause] {
        var causes: [FieldCause] = []
        if q.sendInitialEvents != nil && match != "NotOlderThan" {
            causes.append(
                .forbidden(
                    "resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
        }
        if !match.isEmpty {
            if q.sendInitialEvents == nil {
                causes.append(
                    .forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
            }
            if match != "NotOlderThan" {
                causes.append(.notSupported("resourceVersionMatch", match, ["NotOlderThan"]))
            }
            if q.continueToken != nil {
                causes.append(
                    .forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"))
            }
        }
        return causes
    }
}
