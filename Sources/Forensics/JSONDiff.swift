import KubeModel

/// One step of a path into a JSON document.
public enum PathComponent: Sendable, Hashable {
    case key(String)
    case index(Int)
    /// An element of a list of objects identified by a key field, e.g. `containers[name=web]`.
    case element(field: String, value: String)
}

/// Renders paths the way people read them: `spec.containers[name=web].image`,
/// `metadata.labels["app.kubernetes.io/name"]`, `spec.ports[0]`.
public func renderPath(_ path: [PathComponent]) -> String {
    var out = ""
    for component in path {
        switch component {
        case .key(let k):
            let plain =
                !k.isEmpty
                && k.unicodeScalars.allSatisfy {
                    $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
                }
            if plain {
                out += out.isEmpty ? k : ".\(k)"
            } else {
                out += "[\"\(k.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\""))\"]"
            }
        case .index(let i): out += "[\(i)]"
        case .element(let field, let value): out += "[\(field)=\(value)]"
        }
    }
    return out.isEmpty ? "." : out
}

/// A difference between two JSON documents at one path.
public struct JSONChange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case added, removed, changed
    }
    public var kind: Kind
    public var path: [PathComponent]
    /// The value before (nil when added).
    public var old: JSONValue?
    /// The value after (nil when removed).
    public var new: JSONValue?

    public init(kind: Kind, path: [PathComponent], old: JSONValue?, new: JSONValue?) {
        self.kind = kind
        self.path = path
        self.old = old
        self.new = new
    }
}

/// A structural diff of JSON documents, by path.
///
/// Objects are compared key by key (order ignored). Lists of objects that all
/// carry a distinct `name` (containers, env, volumes, ports, conditions by `type`)
/// are matched by that key so an insertion reads as one added element, not as a
/// change of every element after it; other lists are compared by index.
public enum JSONDiff {
    /// Fields that identify list elements, tried in order.
    static let elementKeys = ["name", "type", "mountPath", "containerPort", "port", "ip"]

    /// The changes that turn `old` into `new`. `ignoring` lists paths to skip
    /// (e.g. `metadata.resourceVersion`, which changes on every write).
    public static func diff(_ old: JSONValue, _ new: JSONValue, ignoring: Set<[PathComponent]> = []) -> [JSONChange] {
        var out: [JSONChange] = []
        walk(old, new, path: [], ignoring: ignoring, into: &out)
        return out
    }

    private static func walk(
        _ old: JSONValue, _ new: JSONValue, path: [PathComponent], ignoring: Set<[PathComponent]>,
        into out: inout [JSONChange]
    ) {
        if ignoring.contains(path) || old == new { return }
        switch (old, new) {
        case (.object(let a), .object(let b)):
            for (k, nv) in b {
                let p = path + [.key(k)]
                if ignoring.contains(p) { continue }
                if let ov = a[k] {
                    walk(ov, nv, path: p, ignoring: ignoring, into: &out)
                } else {
                    out.append(JSONChange(kind: .added, path: p, old: nil, new: nv))
                }
            }
            for (k, ov) in a where b[k] == nil {
                let p = path + [.key(k)]
                if ignoring.contains(p) { continue }
                out.append(JSONChange(kind: .removed, path: p, old: ov, new: nil))
            }
        case (.array(let a), .array(let b)):
            if let field = commonElementKey(a, b) {
                let oldByKey = Dictionary(a.map { (elementKey($0, field) ?? "", $0) }, uniquingKeysWith: { x, _ in x })
                let newKeys = Set(b.compactMap { elementKey($0, field) })
                for nv in b {
                    guard let key = elementKey(nv, field) else { continue }
                    let p = path + [.element(field: field, value: key)]
                    if let ov = oldByKey[key] {
                        walk(ov, nv, path: p, ignoring: ignoring, into: &out)
                    } else {
                        out.append(JSONChange(kind: .added, path: p, old: nil, new: nv))
                    }
                }
                for ov in a {
                    guard let key = elementKey(ov, field), !newKeys.contains(key) else { continue }
                    out.append(
                        JSONChange(kind: .removed, path: path + [.element(field: field, value: key)], old: ov, new: nil)
                    )
                }
                // Same members in another order: report the order change as a whole.
                let oldOrder = a.compactMap { elementKey($0, field) }.filter(newKeys.contains)
                let newOrder = b.compactMap { elementKey($0, field) }.filter { oldByKey[$0] != nil }
                if oldOrder != newOrder {
                    out.append(JSONChange(kind: .changed, path: path, old: old, new: new))
                }
            } else {
                for i in 0..<max(a.count, b.count) {
                    let p = path + [.index(i)]
                    if i < a.count, i < b.count {
                        walk(a[i], b[i], path: p, ignoring: ignoring, into: &out)
                    } else if i < b.count {
                        out.append(JSONChange(kind: .added, path: p, old: nil, new: b[i]))
                    } else {
                        out.append(JSONChange(kind: .removed, path: p, old: a[i], new: nil))
                    }
                }
            }
        default:
            out.append(JSONChange(kind: .changed, path: path, old: old, new: new))
        }
    }

    /// The key field every element of both lists carries with distinct string values, if any.
    private static func commonElementKey(_ a: [JSONValue], _ b: [JSONValue]) -> String? {
        let all = a + b
        guard !all.isEmpty, all.allSatisfy({ $0.objectValue != nil }) else { return nil }
        for field in elementKeys {
            let aKeys = a.compactMap { elementKey($0, field) }
            let bKeys = b.compactMap { elementKey($0, field) }
            if aKeys.count == a.count, bKeys.count == b.count, Set(aKeys).count == a.count, Set(bKeys).count == b.count
            {
                return field
            }
        }
        return nil
    }

    private static func elementKey(_ v: JSONValue, _ field: String) -> String? {
        switch v[field] {
        case .string(let s): s
        case .number(let n): n.text
        default: nil
        }
    }
}

extension String {
    /// `replacingOccurrences` without Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
