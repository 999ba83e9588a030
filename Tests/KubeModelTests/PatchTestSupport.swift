import PropertyBased
import Testing

@testable import KubeModel

/// Parses JSON text written in a test (a typo in a test body fails the test, not the run).
func patchJSON(_ text: String) throws -> JSONValue {
    try JSONValue(parsing: text)
}

/// Equality that also compares object member order (JSONObject's `==` ignores it);
/// list order is what strategic merge tests check, and this keeps objects honest too.
func patchOrderedEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.object(let x), .object(let y)):
        return x.keys == y.keys && zip(x.members, y.members).allSatisfy { patchOrderedEqual($0.value, $1.value) }
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { patchOrderedEqual($0, $1) }
    default:
        return a == b
    }
}

/// The error `body` throws, or nil when it succeeds.
func patchError(_ body: () throws(PatchError) -> JSONValue) -> PatchError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

// MARK: - Random documents

/// Keys drawn from a small pool so that patches and documents share keys often.
private let patchKeyPool = ["a", "b", "c", "name", "spec", "x/y", "m~n", "", "é", "list"]

/// A random JSON value; `nulls` allows `null` anywhere, `depth` bounds nesting.
func patchRandomValue(depth: Int, nulls: Bool, _ rng: inout some RandomNumberGenerator) -> JSONValue {
    let choice = Int.random(in: 0..<(depth > 0 ? 8 : 5), using: &rng)
    switch choice {
    case 0: return nulls ? .null : .bool(true)
    case 1: return .bool(Bool.random(using: &rng))
    case 2: return .number(JSONNumber(Int.random(in: -3...3, using: &rng)))
    case 3, 4: return .string(patchKeyPool.randomElement(using: &rng) ?? "a")
    case 5:
        return .array(
            (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                patchRandomValue(depth: depth - 1, nulls: nulls, &rng)
            })
    default:
        return .object(patchRandomObject(depth: depth - 1, nulls: nulls, &rng))
    }
}

func patchRandomObject(depth: Int, nulls: Bool, _ rng: inout some RandomNumberGenerator) -> JSONObject {
    var o = JSONObject()
    for _ in 0..<Int.random(in: 0...4, using: &rng) {
        o[patchKeyPool.randomElement(using: &rng) ?? "a"] = patchRandomValue(depth: depth, nulls: nulls, &rng)
    }
    return o
}

/// Random objects without `null` anywhere (merge patches cannot produce a stored null).
let patchNullFreeObjects = Generator<JSONValue, Shrink.None<JSONValue>> { rng in
    .object(patchRandomObject(depth: 3, nulls: false, &rng))
}

/// Random objects that may contain `null`.
let patchObjects = Generator<JSONValue, Shrink.None<JSONValue>> { rng in
    .object(patchRandomObject(depth: 3, nulls: true, &rng))
}

/// Every JSON Pointer that resolves in `doc`, root included.
func patchAllPointers(in doc: JSONValue, prefix: [String] = []) -> [JSONPointer] {
    var result = [JSONPointer(tokens: prefix)]
    switch doc {
    case .object(let o):
        for (k, v) in o { result += patchAllPointers(in: v, prefix: prefix + [k]) }
    case .array(let a):
        for (i, v) in a.enumerated() { result += patchAllPointers(in: v, prefix: prefix + [String(i)]) }
    default:
        break
    }
    return result
}
