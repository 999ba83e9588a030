/// A JSON value as Kubernetes objects use it.
///
/// Numbers keep their source text so that integers of any size (and the exact
/// spelling of decimals) survive a round trip; objects keep their key order so
/// that stored objects serialize the way they were written.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number, kept as its RFC 8259 text (for example `"42"`, `"-1.5e3"`).
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON number kept as its literal text (always valid RFC 8259 number syntax).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal text of the number.
    public let text: String

    /// Wraps text the caller guarantees is a valid JSON number.
    public init(unchecked text: String) { self.text = text }
    public init(_ value: Int64) { self.text = String(value) }
    public init(_ value: Int) { self.text = String(value) }
    /// A finite double; non-finite values become `0`.
    public init(_ value: Double) {
        if !value.isFinite {
            self.text = "0"
        } else if value == value.rounded(), abs(value) < 1e15 {
            self.text = String(Int64(value))
        } else {
            self.text = "\(value)"
        }
    }

    /// The value as an `Int64` when the text is an integer in range.
    public var int64Value: Int64? { Int64(text) }
    /// The value as a `Double` (may lose precision).
    public var doubleValue: Double? { Double(text) }
    public var description: String { text }
}

/// A JSON object that keeps insertion order. Lookups are linear, which is the
/// fastest choice for the small objects Kubernetes metadata is made of.
public struct JSONObject: Sendable, Hashable, Sequence {
    public typealias Element = (key: String, value: JSONValue)

    /// The members in order. Keys are unique (the parser keeps the last duplicate's value).
    public private(set) var members: [Element]

    public init() { members = [] }
    public init(_ members: [Element]) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for (k, v) in members { self[k] = v }
    }

    /// Members the caller guarantees have distinct keys.
    init(uniqueMembers: [Element]) { members = uniqueMembers }

    /// Members as a parser read them: keeps the first position of a duplicate key
    /// with the last value (so `{"a":1,"a":2}` is `{"a":2}`, as in Go's decoder).
    init(parsedMembers: [Element]) {
        let n = parsedMembers.count
        if n < 2 {
            members = parsedMembers
            return
        }
        var hasDuplicate = false
        if n <= 12 {
            // Small objects (most of Kubernetes metadata): pairwise compare beats hashing.
            outer: for i in 1..<n {
                let k = parsedMembers[i].key
                for j in 0..<i where parsedMembers[j].key == k {
                    hasDuplicate = true
                    break outer
                }
            }
        } else {
            var seen = Set<String>(minimumCapacity: n)
            for m in parsedMembers where !seen.insert(m.key).inserted {
                hasDuplicate = true
                break
            }
        }
        if !hasDuplicate {
            members = parsedMembers
            return
        }
        var position: [String: Int] = [:]
        var unique: [Element] = []
        unique.reserveCapacity(n)
        for m in parsedMembers {
            if let i = position[m.key] {
                unique[i].value = m.value
            } else {
                position[m.key] = unique.count
                unique.append(m)
            }
        }
        members = unique
    }

    /// Appends without checking for duplicates; the caller guarantees `key` is new.
    public mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        members.append((key, value))
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    public func index(forKey key: String) -> Int? {
        members.firstIndex { $0.key == key }
    }

    /// Gets a member; setting `nil` removes it, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get {
            for m in members where m.key == key { return m.value }
            return nil
        }
        set {
            if let i = index(forKey: key) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    /// Takes a member's value out, leaving `null` at its position, so the caller can
    /// change the value without a copy-on-write copy and store it back in place.
    mutating func takeValue(forKey key: String) -> JSONValue? {
        guard let i = index(forKey: key) else { return nil }
        let v = members[i].value
        members[i].value = .null
        return v
    }

    /// Edits every member's value in place, in order, keeping the keys; a member for which
    /// `body` returns false is removed. Each value is handed over without another reference
    /// to it, so editing a uniquely owned tree copies nothing.
    public mutating func updateValues(_ body: (String, inout JSONValue) -> Bool) {
        var removed: [Int] = []
        for i in members.indices {
            var value = members[i].value
            members[i].value = .null
            if body(members[i].key, &value) {
                members[i].value = value
            } else {
                removed.append(i)
            }
        }
        for i in removed.reversed() { members.remove(at: i) }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = index(forKey: key) else { return nil }
        return members.remove(at: i).value
    }

    public func makeIterator() -> IndexingIterator<[Element]> { members.makeIterator() }

    /// Equality ignores member order, like JSON object semantics.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.members.count == b.members.count else { return false }
        for (k, v) in a.members {
            guard let other = b[k], other == v else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine per-member hashes commutatively.
        var acc = 0
        for (k, v) in members {
            var h = Hasher()
            h.combine(k)
            h.combine(v)
            acc ^= h.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(acc)
    }
}

extension JSONValue {
    /// The members when this is an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    public var int64Value: Int64? {
        if case .number(let n) = self { return n.int64Value }
        return nil
    }
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Member access on objects; `nil` for other kinds or a missing key.
    /// Setting on a non-object turns it into an object.
    public subscript(key: String) -> JSONValue? {
        get {
            if case .object(let o) = self { return o[key] }
            return nil
        }
        set {
            var o = objectValue ?? JSONObject()
            o[key] = newValue
            self = .object(o)
        }
    }

    /// Follows a path of object keys.
    public subscript(path path: [String]) -> JSONValue? {
        var cur: JSONValue? = self
        for k in path { cur = cur?[k] }
        return cur
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}
