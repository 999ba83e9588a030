import KubeModel

/// Minimal server-side-apply bookkeeping: one `Apply` entry per field manager whose
/// `fieldsV1` lists the fields of the applied configuration. Conflict detection between
/// managers (and removal of fields a manager stops applying) is not done yet: apply
/// merges the configuration like a JSON merge patch.
enum ManagedFields {
    /// `existing` managedFields with the manager's Apply entry replaced by a new one.
    static func recordApply(
        existing: JSONValue?, applied: JSONValue, manager: String, apiVersion: String, now: String
    ) -> JSONValue {
        var entries = (existing?.arrayValue ?? []).filter {
            !($0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == "Apply")
        }
        entries.append([
            "manager": .string(manager),
            "operation": "Apply",
            "apiVersion": .string(apiVersion),
            "time": .string(now),
            "fieldsType": "FieldsV1",
            "fieldsV1": fieldSet(of: applied, path: []),
        ])
        return .array(entries)
    }

    /// `{"f:spec":{"f:replicas":{}}}` for the leaves of `value`; identity and type fields
    /// (kind, apiVersion, metadata.name/namespace/uid/resourceVersion...) are not owned.
    static func fieldSet(of value: JSONValue, path: [String]) -> JSONValue {
        guard let o = value.objectValue else { return .object(JSONObject()) }
        var out = JSONObject()
        for (k, v) in o {
            if path.isEmpty && (k == "kind" || k == "apiVersion") { continue }
            if path == ["metadata"]
                && ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"]
                    .contains(k)
            {
                continue
            }
            out["f:" + k] = fieldSet(of: v, path: path + [k])
        }
        return .object(out)
    }

    /// Equal entries apart from their `time`.
    static func sameOwnership(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        func strip(_ v: JSONValue?) -> [JSONValue] {
            (v?.arrayValue ?? []).map {
                var e = $0
                e["time"] = nil
                return e
            }
        }
        return strip(a) == strip(b)
    }
}
