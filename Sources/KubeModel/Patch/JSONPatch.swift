/// RFC 6902 JSON Patch (`application/json-patch+json`).
///
/// Operations run in order on a working copy; the first failure aborts the whole patch
/// and the input document is left as it was. Pointers follow RFC 6901 strictly: array
/// indexes have no leading zeros or signs, `-` means "after the last element" and is
/// only valid as the target of `add` (and of `move`/`copy`, which add).
///
/// Error codes follow kube-apiserver (see ``PatchError``): a body that is not an array
/// of objects is 400; more than ``maxOperations`` operations is 413; every failure while
/// applying (unknown op, missing `path`/`from`/`value`, a path that does not exist, an
/// index out of range, a failed `test`) is 422 Invalid.
public enum JSONPatch {
    /// The apiserver's limit on operations in one patch (`maxJSONPatchOperations`).
    public static let maxOperations = 10_000
    /// The apiserver's default limit on how much `copy` operations may grow a document
    /// (`JSONPatchMaxCopyBytes`, 3 MiB): without it a few copies of the root grow it exponentially.
    public static let defaultMaxCopyBytes = 3 * 1024 * 1024
    /// The deepest nesting a patched document may reach: the JSON parser's own default
    /// limit, so that a patch cannot build a document deeper than a client could send.
    public static let maxDepth = JSONLimits.default.maxDepth

    /// Applies `patch` (a JSON array of operations) to `doc`.
    public static func apply(_ patch: JSONValue, to doc: JSONValue) throws(PatchError) -> JSONValue {
        try apply(patch, to: doc, maxCopyBytes: defaultMaxCopyBytes)
    }

    /// Applies `patch` to `doc`, allowing `copy` operations to add at most `maxCopyBytes`
    /// bytes of serialized JSON in total (evanphx/json-patch `AccumulatedCopySizeLimit`).
    public static func apply(_ patch: JSONValue, to doc: JSONValue, maxCopyBytes: Int) throws(PatchError)
        -> JSONValue
    {
        let ops = try decode(patch)
        var working = doc
        var copied = 0
        for op in ops {
            try apply(op, to: &working, copied: &copied, maxCopyBytes: maxCopyBytes)
        }
        return working
    }

    /// One decoded operation; unknown members are ignored, as RFC 6902 requires.
    struct Operation {
        var members: JSONObject

        var kind: String { members["op"]?.stringValue ?? "unknown" }

        func pointer(_ field: String, for op: String) throws(PatchError) -> JSONPointer {
            guard let v = members[field], !v.isNull else {
                if field == "from" {
                    throw .unprocessable("\(op) operation, missing from field: missing value")
                }
                throw .unprocessable("\(op) operation missing \(field) field: missing value")
            }
            guard case .string(let s) = v else {
                throw .unprocessable(
                    "\(op) operation: \"\(field)\" must be a string, got \(v.goKindName)")
            }
            return try JSONPointer(s)
        }

        func value(for op: String) throws(PatchError) -> JSONValue {
            // `"value": null` is a real value; only a missing member is an error.
            guard let v = members["value"] else {
                throw .unprocessable("\(op) operation, missing value field: missing value")
            }
            return v
        }
    }

    static func decode(_ patch: JSONValue) throws(PatchError) -> [Operation] {
        guard case .array(let items) = patch else {
            throw .invalid(
                "json: cannot unmarshal \(patch.goKindName) into Go value of type jsonpatch.Patch")
        }
        var ops: [Operation] = []
        ops.reserveCapacity(items.count)
        for item in items {
            guard case .object(let o) = item else {
                throw .invalid(
                    "json: cannot unmarshal \(item.goKindName) into Go value of type jsonpatch.Operation")
            }
            ops.append(Operation(members: o))
        }
        if ops.count > maxOperations {
            throw .tooLarge(
                "The allowed maximum operations in a JSON patch is \(maxOperations), got \(ops.count)")
        }
        return ops
    }

    static func apply(_ op: Operation, to doc: inout JSONValue, copied: inout Int, maxCopyBytes: Int)
        throws(PatchError)
    {
        switch op.kind {
        case "add":
            let path = try op.pointer("path", for: "add")
            try add(try op.value(for: "add"), at: path, in: &doc, op: "add")
        case "remove":
            let path = try op.pointer("path", for: "remove")
            _ = try remove(at: path, in: &doc, op: "remove")
        case "replace":
            let path = try op.pointer("path", for: "replace")
            let value = try op.value(for: "replace")
            try replace(value, at: path, in: &doc)
        case "move":
            let from = try op.pointer("from", for: "move")
            let path = try op.pointer("path", for: "move")
            if from.isProperPrefix(of: path) {
                throw .unprocessable("move operation does not apply: \"\(path)\" is a child of \"\(from)\"")
            }
            guard from != path else {
                // Moving onto itself is a no-op, but the location must exist.
                guard from.resolve(in: doc) != nil else {
                    throw .unprocessable("move operation does not apply: doc is missing from path: \(from)")
                }
                return
            }
            let value = try remove(at: from, in: &doc, op: "move")
            try add(value, at: path, in: &doc, op: "move")
        case "copy":
            let from = try op.pointer("from", for: "copy")
            let path = try op.pointer("path", for: "copy")
            guard let value = from.resolve(in: doc) else {
                throw .unprocessable("copy operation does not apply: doc is missing from path: \(from)")
            }
            copied += value.serialized().count
            if copied > maxCopyBytes {
                throw .unprocessable(
                    "Unable to complete the copy, the accumulated size increase of copy is \(copied), exceeding the limit \(maxCopyBytes)"
                )
            }
            try add(value, at: path, in: &doc, op: "copy")
        case "test":
            let path = try op.pointer("path", for: "test")
            let expected = try op.value(for: "test")
            guard let actual = path.resolve(in: doc) else {
                throw .testFailed("testing value \(path) failed: test failed (path does not exist)")
            }
            guard actual.patchEquals(expected) else {
                throw .testFailed("testing value \(path) failed: test failed")
            }
        default:
            throw .unprocessable("Unexpected kind: \(op.kind)")
        }
    }

    // MARK: - Primitive operations, in place

    private static func add(
        _ value: JSONValue, at path: JSONPointer, in doc: inout JSONValue, op: String
    ) throws(PatchError) {
        try checkDepth(of: value, at: path, op: op)
        guard !path.tokens.isEmpty else {
            doc = value
            return
        }
        try withParent(of: path, in: &doc, op: op) { (parent: inout JSONValue, key: String) throws(PatchError) in
            switch parent {
            case .object(var o):
                parent = .null  // keep `o` uniquely referenced while it changes
                o[key] = value
                parent = .object(o)
            case .array(var a):
                let index: Int
                if key == "-" {
                    index = a.count
                } else if let i = JSONPointer.arrayIndex(key) {
                    index = i
                } else {
                    throw .unprocessable("error in \(op) for path: '\(path)': invalid array index \"\(key)\"")
                }
                guard index <= a.count else {
                    throw .unprocessable(
                        "error in \(op) for path: '\(path)': Unable to access invalid index: \(index): invalid index referenced"
                    )
                }
                parent = .null
                a.insert(value, at: index)
                parent = .array(a)
            default:
                throw .unprocessable("\(op) operation does not apply: doc is missing path: \"\(path)\"")
            }
        }
    }

    private static func remove(at path: JSONPointer, in doc: inout JSONValue, op: String) throws(PatchError)
        -> JSONValue
    {
        guard !path.tokens.isEmpty else {
            throw .unprocessable("\(op) operation does not apply: cannot remove the whole document")
        }
        var removed = JSONValue.null
        try withParent(of: path, in: &doc, op: op) { (parent: inout JSONValue, key: String) throws(PatchError) in
            switch parent {
            case .object(var o):
                parent = .null
                guard let old = o.removeValue(forKey: key) else {
                    throw .unprocessable(
                        "error in \(op) for path: '\(path)': Unable to remove nonexistent key: \(key): missing value")
                }
                removed = old
                parent = .object(o)
            case .array(var a):
                guard let i = JSONPointer.arrayIndex(key), i < a.count else {
                    throw .unprocessable(
                        "error in \(op) for path: '\(path)': Unable to access invalid index: \(key): invalid index referenced"
                    )
                }
                parent = .null
                removed = a.remove(at: i)
                parent = .array(a)
            default:
                throw .unprocessable("\(op) operation does not apply: doc is missing path: \"\(path)\"")
            }
        }
        return removed
    }

    private static func replace(_ value: JSONValue, at path: JSONPointer, in doc: inout JSONValue) throws(PatchError) {
        try checkDepth(of: value, at: path, op: "replace")
        guard !path.tokens.isEmpty else {
            doc = value
            return
        }
        try withParent(of: path, in: &doc, op: "replace") { (parent: inout JSONValue, key: String) throws(PatchError) in
            switch parent {
            case .object(var o):
                guard o.index(forKey: key) != nil else {
                    throw .unprocessable("replace operation does not apply: doc is missing key: \(path)")
                }
                parent = .null
                o[key] = value
                parent = .object(o)
            case .array(var a):
                guard let i = JSONPointer.arrayIndex(key), i < a.count else {
                    throw .unprocessable(
                        "replace operation does not apply: doc is missing key: \(path): Unable to access invalid index: \(key)"
                    )
                }
                parent = .null
                a[i] = value
                parent = .array(a)
            default:
                throw .unprocessable("replace operation does not apply: doc is missing path: \(path)")
            }
        }
    }

    /// Refuses a value that would nest the document deeper than ``maxDepth``.
    private static func checkDepth(of value: JSONValue, at path: JSONPointer, op: String) throws(PatchError) {
        let limit = maxDepth - path.tokens.count
        if limit < 0 || value.nestingDepth(exceeds: limit) {
            throw .unprocessable(
                "\(op) operation does not apply: the document would nest deeper than \(maxDepth) levels")
        }
    }

    /// Walks to the container holding the pointer's last token and calls `body` with it
    /// in place. Children are detached while they change so copy-on-write never copies
    /// a whole subtree.
    private static func withParent(
        of path: JSONPointer, in doc: inout JSONValue, op: String,
        _ body: (inout JSONValue, String) throws(PatchError) -> Void
    ) throws(PatchError) {
        try descend(path.tokens[...], in: &doc, path: path, op: op, body)
    }

    private static func descend(
        _ tokens: ArraySlice<String>, in node: inout JSONValue, path: JSONPointer, op: String,
        _ body: (inout JSONValue, String) throws(PatchError) -> Void
    ) throws(PatchError) {
        guard let first = tokens.first else { return }
        if tokens.count == 1 {
            try body(&node, first)
            return
        }
        let rest = tokens.dropFirst()
        switch node {
        case .object(var o):
            guard var child = o[first] else {
                throw .unprocessable("\(op) operation does not apply: doc is missing path: \"\(path)\"")
            }
            node = .null
            o[first] = .null
            try descend(rest, in: &child, path: path, op: op, body)
            o[first] = child
            node = .object(o)
        case .array(var a):
            guard let i = JSONPointer.arrayIndex(first), i < a.count else {
                throw .unprocessable("\(op) operation does not apply: doc is missing path: \"\(path)\"")
            }
            node = .null
            var child = a[i]
            a[i] = .null
            try descend(rest, in: &child, path: path, op: op, body)
            a[i] = child
            node = .array(a)
        default:
            throw .unprocessable("\(op) operation does not apply: doc is missing path: \"\(path)\"")
        }
    }
}

extension JSONValue {
    /// Whether arrays and objects nest more than `limit` levels deep (scalars are level 0).
    /// Stops descending once past the limit, so it never recurses deeper than `limit + 1`.
    func nestingDepth(exceeds limit: Int) -> Bool {
        switch self {
        case .array(let a):
            if limit < 1 { return true }
            return a.contains { $0.nestingDepth(exceeds: limit - 1) }
        case .object(let o):
            if limit < 1 { return true }
            return o.contains { $0.value.nestingDepth(exceeds: limit - 1) }
        default:
            return false
        }
    }

    /// The Go `encoding/json` name of this kind, for messages that mirror the apiserver's.
    var goKindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
