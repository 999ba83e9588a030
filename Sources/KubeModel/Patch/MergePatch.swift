/// JSON Merge Patch, RFC 7386/7396 (`application/merge-patch+json`).
///
/// Objects merge recursively, `null` deletes a member, anything else (arrays included)
/// replaces. A patch that is not an object replaces the whole document, which is what
/// the RFC says; the API layer should use ``applyToObject(_:to:)`` instead, which
/// rejects such bodies the way kube-apiserver does.
public enum MergePatch {
    /// Applies `patch` to `doc` (RFC 7396 section 2, `MergePatch(Target, Patch)`).
    public static func apply(_ patch: JSONValue, to doc: JSONValue) -> JSONValue {
        var result = doc
        merge(patch, into: &result)
        return result
    }

    /// Applies a merge patch to a Kubernetes object, with the apiserver's checks:
    /// a `null` or non-object body (a string, a number) is 400 `Invalid JSON Patch`
    /// (evanphx `ErrBadJSONPatch`), and an array body — which would replace the object
    /// with an array — is 422, as the apiserver's decode of the result fails.
    public static func applyToObject(_ patch: JSONValue, to doc: JSONValue) throws(PatchError) -> JSONValue {
        switch patch {
        case .object:
            return apply(patch, to: doc)
        case .array:
            throw .unprocessable("merge patch must be a JSON object, got an array")
        default:
            throw .invalid("Invalid JSON Patch")
        }
    }

    /// Computes a merge patch that turns `from` into `to`:
    /// `apply(create(from: a, to: b), to: a) == b` whenever `b` holds no `null` inside
    /// an object (merge patches cannot express an explicit `null` member).
    /// Identical documents give `{}`; a change of a non-object (or to one) gives `to` itself.
    public static func create(from: JSONValue, to: JSONValue) -> JSONValue {
        guard case .object(let a) = from, case .object(let b) = to else {
            return to
        }
        return .object(diff(a, b))
    }

    // MARK: - Implementation

    private static func merge(_ patch: JSONValue, into target: inout JSONValue) {
        guard case .object(let p) = patch else {
            target = patch
            return
        }
        var t: JSONObject
        if case .object(let existing) = target {
            t = existing
            target = .null  // keep `t` uniquely referenced
        } else {
            t = JSONObject()
        }
        for (key, value) in p {
            if case .null = value {
                t.removeValue(forKey: key)
                continue
            }
            if case .object = value {
                var child = t[key] ?? .null
                t[key] = .null
                merge(value, into: &child)
                t[key] = child
            } else {
                t[key] = value
            }
        }
        target = .object(t)
    }

    private static func diff(_ a: JSONObject, _ b: JSONObject) -> JSONObject {
        var patch = JSONObject()
        for key in a.keys where b.index(forKey: key) == nil {
            patch.appendUnchecked(key, .null)
        }
        for (key, new) in b {
            guard let old = a[key] else {
                patch.appendUnchecked(key, new)
                continue
            }
            if old == new { continue }
            if case .object(let oa) = old, case .object(let ob) = new {
                let sub = diff(oa, ob)
                if !sub.isEmpty { patch.appendUnchecked(key, .object(sub)) }
            } else {
                patch.appendUnchecked(key, new)
            }
        }
        return patch
    }
}
