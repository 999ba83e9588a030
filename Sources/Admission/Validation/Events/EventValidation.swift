import KubeModel

/// `ValidateEventCreate` / `ValidateEventUpdate` (k8s.io/kubernetes
/// `pkg/apis/core/validation/events.go`) for events.k8s.io/v1 Events, the strict
/// validation of the new Events API. Field paths name the internal Event's fields, as
/// the apiserver reports them (`involvedObject` for `regarding`, `message` for `note`,
/// `source`, `firstTimestamp`, `lastTimestamp`, `count` for the `deprecated*` members).
enum EventValidation {
    static let reportingInstanceLengthLimit = 128
    static let actionLengthLimit = 128
    static let reasonLengthLimit = 128
    static let noteLengthLimit = 1024

    /// All errors of an events.k8s.io/v1 Event write.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        var errs = legacy(object)
        if request.operation == .update, let old = request.old {
            if !ValidationSupport.semanticallyEqual(object["series"], old["series"]) { errs += series(object) }
            errs += immutables(object, old)
            return errs
        }
        errs += series(object)
        if time(object["eventTime"]) == nil { errs.append(.required("eventTime")) }
        let type = object["type"]?.stringValue ?? ""
        if type != "Normal" && type != "Warning" { errs.append(.invalid("type", "", "has invalid value: \(type)")) }
        if time(object["deprecatedFirstTimestamp"]) != nil {
            errs.append(.invalid("firstTimestamp", "", "needs to be unset"))
        }
        if time(object["deprecatedLastTimestamp"]) != nil {
            errs.append(.invalid("lastTimestamp", "", "needs to be unset"))
        }
        if (object["deprecatedCount"]?.int64Value ?? 0) != 0 { errs.append(.invalid("count", "", "needs to be unset")) }
        let source = object["deprecatedSource"]
        if !(source?["component"]?.stringValue ?? "").isEmpty || !(source?["host"]?.stringValue ?? "").isEmpty {
            errs.append(.invalid("source", "", "needs to be unset"))
        }
        return errs
    }

    /// `legacyValidateEvent` as an events.k8s.io/v1 request runs it.
    private static func legacy(_ event: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        let namespace = event["metadata"]?["namespace"]?.stringValue ?? ""
        let involvedNamespace = event["regarding"]?["namespace"]?.stringValue ?? ""
        let mismatch = FieldError.invalid(
            "involvedObject.namespace", involvedNamespace, "does not match event.namespace")
        if time(event["eventTime"]) == nil {
            if involvedNamespace.isEmpty {
                if namespace != "" && namespace != "default" { errs.append(mismatch) }
            } else if namespace != involvedNamespace {
                errs.append(mismatch)
            }
        } else {
            if involvedNamespace.isEmpty && namespace != "default" && namespace != "kube-system" {
                errs.append(mismatch)
            }
            let controller = event["reportingController"]?.stringValue ?? ""
            if controller.isEmpty { errs.append(.required("reportingController")) }
            errs += NameValidation.isQualifiedName(controller).map { .invalid("reportingController", controller, $0) }
            errs += required("reportingInstance", event, limit: reportingInstanceLengthLimit)
            errs += required("action", event, limit: actionLengthLimit)
            errs += required("reason", event, limit: reasonLengthLimit)
            if (event["note"]?.stringValue ?? "").utf8.count > noteLengthLimit {
                errs.append(.invalid("message", "", "can have at most \(noteLengthLimit) characters"))
            }
        }
        errs += NameValidation.isDNS1123Subdomain(namespace).map { .invalid("namespace", namespace, $0) }
        return errs
    }

    private static func required(_ name: String, _ event: JSONValue, limit: Int) -> [FieldError] {
        let value = event[name]?.stringValue ?? ""
        if value.isEmpty { return [.required(name)] }
        if value.utf8.count > limit { return [.invalid(name, "", "can have at most \(limit) characters")] }
        return []
    }

    /// `validateV1EventSeries`.
    private static func series(_ event: JSONValue) -> [FieldError] {
        guard let series = event["series"], !series.isNull else { return [] }
        var errs: [FieldError] = []
        if (series["count"]?.int64Value ?? 0) < 2 { errs.append(.invalid("series.count", "", "should be at least 2")) }
        if time(series["lastObservedTime"]) == nil { errs.append(.required("series.lastObservedTime")) }
        return errs
    }

    /// The fields an update may not change, in the apiserver's order.
    private static func immutables(_ new: JSONValue, _ old: JSONValue) -> [FieldError] {
        var errs = ValidationSupport.immutable(new["regarding"], old["regarding"], "involvedObject") {
            .raw(objectReference($0))
        }
        errs += ValidationSupport.immutableString(new["reason"], old["reason"], "reason")
        errs += ValidationSupport.immutableString(new["note"], old["note"], "message")
        errs += ValidationSupport.immutable(new["deprecatedSource"], old["deprecatedSource"], "source") {
            .raw(
                "core.EventSource{Component:" + goQuoted($0?["component"]?.stringValue ?? "") + ", Host:"
                    + goQuoted($0?["host"]?.stringValue ?? "") + "}")
        }
        errs += immutableTime(new["deprecatedFirstTimestamp"], old["deprecatedFirstTimestamp"], "firstTimestamp")
        errs += immutableTime(new["deprecatedLastTimestamp"], old["deprecatedLastTimestamp"], "lastTimestamp")
        errs += ValidationSupport.immutable(new["deprecatedCount"], old["deprecatedCount"], "count") {
            .integer($0?.int64Value ?? 0)
        }
        errs += ValidationSupport.immutableString(new["reason"], old["reason"], "reason")
        errs += ValidationSupport.immutableString(new["type"], old["type"], "type")
        let newTime = time(new["eventTime"])
        let oldTime = time(old["eventTime"])
        // Sub-microsecond changes are tolerated.
        if newTime.map({ ($0.seconds, $0.nanos / 1000) }) ?? (0, 0)
            != oldTime.map({ ($0.seconds, $0.nanos / 1000) }) ?? (0, 0)
        {
            errs.append(
                FieldError(.invalid, field: "eventTime", value: .raw(goTime(newTime)), detail: "field is immutable"))
        }
        errs += ValidationSupport.immutableString(new["action"], old["action"], "action")
        errs += ValidationSupport.immutable(new["related"], old["related"], "related") {
            guard let v = $0, !v.isNull else { return .null }
            return .raw(objectReference(v))
        }
        errs += ValidationSupport.immutableString(
            new["reportingController"], old["reportingController"], "reportingController")
        errs += ValidationSupport.immutableString(
            new["reportingInstance"], old["reportingInstance"], "reportingInstance")
        return errs
    }

    private static func immutableTime(_ new: JSONValue?, _ old: JSONValue?, _ path: String) -> [FieldError] {
        let n = time(new)
        let o = time(old)
        if n?.seconds == o?.seconds && n?.nanos == o?.nanos { return [] }
        return [FieldError(.invalid, field: path, value: .raw(goTime(n)), detail: "field is immutable")]
    }

    /// `%#v` of a `core.ObjectReference`.
    private static func objectReference(_ v: JSONValue?) -> String {
        let names = [
            ("Kind", "kind"), ("Namespace", "namespace"), ("Name", "name"), ("UID", "uid"),
            ("APIVersion", "apiVersion"),
            ("ResourceVersion", "resourceVersion"), ("FieldPath", "fieldPath"),
        ]
        return "core.ObjectReference{"
            + names.map { "\($0.0):" + goQuoted(v?[$0.1]?.stringValue ?? "") }.joined(separator: ", ") + "}"
    }

    /// Go's `time.Time.String()` of a UTC instant (`0001-01-01 00:00:00 +0000 UTC` for zero).
    private static func goTime(_ t: (seconds: Int64, nanos: Int64)?) -> String {
        guard let t else { return "0001-01-01 00:00:00 +0000 UTC" }
        var s = RFC3339.format(seconds: t.seconds) ?? ""
        // "2006-01-02T15:04:05Z" -> "2006-01-02 15:04:05"
        s = String(s.dropLast()).replacingOccurrences(of: "T", with: " ")
        if t.nanos != 0 {
            var frac = String(t.nanos)
            frac = String(repeating: "0", count: 9 - frac.count) + frac
            while frac.hasSuffix("0") { frac.removeLast() }
            s += "." + frac
        }
        return s + " +0000 UTC"
    }

    /// Parses an RFC 3339 timestamp into seconds since the epoch and nanoseconds; nil
    /// when absent, empty or unparsable (the zero time).
    static func time(_ v: JSONValue?) -> (seconds: Int64, nanos: Int64)? {
        guard let s = v?.stringValue, s.utf8.count >= 20 else { return nil }
        let b = Array(s.utf8)
        func num(_ from: Int, _ n: Int) -> Int64? {
            guard from + n <= b.count else { return nil }
            var v: Int64 = 0
            for c in b[from..<(from + n)] {
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
            let se = num(17, 2)
        else { return nil }
        var i = 19
        var nanos: Int64 = 0
        if i < b.count, b[i] == 46 {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 9 { nanos = nanos * 10 + Int64(b[i] - 48) }
                digits += 1
                i += 1
            }
            for _ in digits..<max(digits, 9) { nanos *= 10 }
        }
        var offset: Int64 = 0
        if i < b.count, b[i] == 43 || b[i] == 45, let oh = num(i + 1, 2), let om = num(i + 4, 2) {
            offset = (oh * 3600 + om * 60) * (b[i] == 45 ? -1 : 1)
        }
        let seconds = RFC3339.days(year: y, month: mo, day: d) * 86400 + h * 3600 + mi * 60 + se - offset
        return (seconds, nanos)
    }
}
