import KubeModel
import PropertyBased
import Testing

@testable import Admission

/// Random structural schemas with random valid instances: the instances pass, pruning
/// leaves them as they are (and drops any field added to them), and a single mutation
/// fails with an error at the mutated field.
@Suite struct CustomResourcePropertyTests {
    @Test("generated valid objects pass validation")
    func validInstancesPass() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var rng = SplitMix64(seed: seed)
            let schema = RandomSchema.object(depth: 0, rng: &rng)
            guard let widgets = try? WidgetDefinition(schemaValue: RandomSchema.root(spec: schema)) else {
                Issue.record("the generated schema is not a valid CRD schema: \(schema.jsonString)")
                return
            }
            let spec = RandomSchema.instance(of: schema, rng: &rng)
            let object = WidgetDefinition.widget(spec)
            #expect(widgets.create(object) == [], "schema \(schema.jsonString), object \(spec.jsonString)")
            #expect(widgets.defaulted(object) == object, "pruning changed a valid object \(spec.jsonString)")
        }
    }

    @Test("generated schemas are structural: the CRD carrying them is valid")
    func generatedSchemasAreValidCRDs() async throws {
        let request = try crdRequest()
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            var rng = SplitMix64(seed: seed)
            let schema = RandomSchema.object(depth: 0, rng: &rng)
            guard let widgets = try? WidgetDefinition(schemaValue: RandomSchema.root(spec: schema)) else { return }
            #expect(Admission.validate(widgets.crd, request) == [], "schema \(schema.jsonString)")
        }
    }

    @Test("an unknown field added anywhere is pruned")
    func unknownFieldsArePruned() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var rng = SplitMix64(seed: seed)
            let schema = RandomSchema.object(depth: 0, rng: &rng)
            guard let widgets = try? WidgetDefinition(schemaValue: RandomSchema.root(spec: schema)) else { return }
            let spec = RandomSchema.instance(of: schema, rng: &rng)
            var polluted = spec
            RandomSchema.addUnknownField(&polluted, schema: schema, rng: &rng)
            #expect(
                widgets.defaulted(WidgetDefinition.widget(polluted)) == WidgetDefinition.widget(spec),
                "unknown field survived in \(polluted.jsonString)")
        }
    }

    @Test("a single mutation fails with an error at the mutated field")
    func singleMutationsFailAtTheirPath() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var rng = SplitMix64(seed: seed)
            let schema = RandomSchema.object(depth: 0, rng: &rng)
            guard let widgets = try? WidgetDefinition(schemaValue: RandomSchema.root(spec: schema)) else { return }
            let spec = RandomSchema.instance(of: schema, rng: &rng)
            let mutations = RandomSchema.mutations(of: spec, schema: schema, path: "spec")
            guard !mutations.isEmpty else { return }
            let m = mutations[Int.random(in: 0..<mutations.count, using: &rng)]
            var mutated = spec
            m.apply(&mutated)
            let errors = Admission.validate(WidgetDefinition.widget(mutated), widgets.request(.create))
            let context = "\(m.kind) at \(m.field): \(mutated.jsonString) → \(errors.map(\.description))"
            #expect(!errors.isEmpty, "\(context)")
            #expect(errors.allSatisfy { $0.field == m.field }, "\(context)")
            #expect(errors.contains { $0.description.contains(m.expected) }, "\(context)")
        }
    }
}

/// A small deterministic generator (SplitMix64) so a failing seed reproduces.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One mutation of a valid instance and the error it must cause.
struct Mutation {
    var kind: String
    /// The field path of the expected error.
    var field: String
    /// Text the error's description contains.
    var expected: String
    /// The location in the instance (object keys and array indices).
    var location: [PathStep]
    var newValue: JSONValue?

    enum PathStep {
        case key(String)
        case index(Int)
    }

    func apply(_ value: inout JSONValue) { Self.set(&value, location[...], newValue) }

    private static func set(_ value: inout JSONValue, _ path: ArraySlice<PathStep>, _ new: JSONValue?) {
        guard let first = path.first else {
            if let new { value = new }
            return
        }
        switch first {
        case .key(let k):
            guard case .object(var o) = value else { return }
            if path.count == 1 {
                o[k] = new
            } else {
                var child = o[k] ?? .null
                set(&child, path.dropFirst(), new)
                o[k] = child
            }
            value = .object(o)
        case .index(let i):
            guard case .array(var a) = value, a.indices.contains(i) else { return }
            set(&a[i], path.dropFirst(), new)
            value = .array(a)
        }
    }
}

enum RandomSchema {
    static let words = ["alpha", "beta", "gamma", "delta", "omega"]

    static func root(spec: JSONValue) -> JSONValue {
        ["type": "object", "properties": ["spec": spec]]
    }

    static func name(_ rng: inout SplitMix64) -> String {
        let letters = Array("abcdefghij")
        return String((0..<Int.random(in: 1...6, using: &rng)).map { _ in letters.randomElement(using: &rng)! })
    }

    /// A random structural schema for a field.
    static func field(depth: Int, rng: inout SplitMix64) -> JSONValue {
        let choice = Int.random(in: 0..<(depth >= 2 ? 5 : 8), using: &rng)
        switch choice {
        case 0:
            if Bool.random(using: &rng) {
                return ["type": "string", "enum": .array(words.shuffled(using: &rng).prefix(3).map { .string($0) })]
            }
            var s = JSONObject([("type", "string")])
            let min = Int.random(in: 0...2, using: &rng)
            s["minLength"] = .number(JSONNumber(min))
            s["maxLength"] = .number(JSONNumber(min + Int.random(in: 1...8, using: &rng)))
            if Bool.random(using: &rng) { s["pattern"] = "^[a-z]*$" }
            return .object(s)
        case 1:
            let min = Int.random(in: -5...5, using: &rng)
            return [
                "type": "integer", "minimum": .number(JSONNumber(min)),
                "maximum": .number(JSONNumber(min + Int.random(in: 0...20, using: &rng))),
            ]
        case 2:
            return ["type": "number", "minimum": -1.5, "maximum": 10.5]
        case 3:
            return ["type": "boolean"]
        case 4:
            return ["type": "string", "format": "date"]
        case 5:
            return [
                "type": "array", "maxItems": .number(JSONNumber(Int.random(in: 1...4, using: &rng))),
                "items": field(depth: depth + 1, rng: &rng),
            ]
        case 6:
            return ["type": "object", "additionalProperties": field(depth: depth + 1, rng: &rng)]
        default:
            return object(depth: depth + 1, rng: &rng)
        }
    }

    /// A random object schema with 1-4 properties, some required.
    static func object(depth: Int, rng: inout SplitMix64) -> JSONValue {
        var props = JSONObject()
        for _ in 0..<Int.random(in: 1...4, using: &rng) { props[name(&rng)] = field(depth: depth, rng: &rng) }
        let required = props.keys.filter { _ in Bool.random(using: &rng) }
        var s = JSONObject([("type", "object"), ("properties", .object(props))])
        if !required.isEmpty { s["required"] = .array(required.map { .string($0) }) }
        return .object(s)
    }

    /// A random value valid for `schema`.
    static func instance(of schema: JSONValue, rng: inout SplitMix64) -> JSONValue {
        switch schema["type"]?.stringValue {
        case "string":
            if let e = schema["enum"]?.arrayValue { return e.randomElement(using: &rng)! }
            if schema["format"]?.stringValue == "date" {
                return .string(
                    "20\(Int.random(in: 10...39, using: &rng))-0\(Int.random(in: 1...9, using: &rng))-1\(Int.random(in: 0...9, using: &rng))"
                )
            }
            let min = Int(schema["minLength"]?.int64Value ?? 0)
            let max = Int(schema["maxLength"]?.int64Value ?? 8)
            let letters = Array("abcxyz")
            return .string(
                String((0..<Int.random(in: min...max, using: &rng)).map { _ in letters.randomElement(using: &rng)! }))
        case "integer":
            let min = Int(schema["minimum"]?.int64Value ?? 0)
            let max = Int(schema["maximum"]?.int64Value ?? 10)
            return .number(JSONNumber(Int.random(in: min...max, using: &rng)))
        case "number":
            return .number(JSONNumber(unchecked: "\(Int.random(in: -1...9, using: &rng)).5"))
        case "boolean":
            return .bool(Bool.random(using: &rng))
        case "array":
            let count = Int.random(in: 0...Int(schema["maxItems"]?.int64Value ?? 2), using: &rng)
            return .array((0..<count).map { _ in instance(of: schema["items"] ?? [:], rng: &rng) })
        default:
            if let additional = schema["additionalProperties"] {
                var o = JSONObject()
                for _ in 0..<Int.random(in: 0...2, using: &rng) { o[name(&rng)] = instance(of: additional, rng: &rng) }
                return .object(o)
            }
            let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            var o = JSONObject()
            for (k, p) in schema["properties"]?.objectValue ?? JSONObject()
            where required.contains(k) || Bool.random(using: &rng) {
                o[k] = instance(of: p, rng: &rng)
            }
            return .object(o)
        }
    }

    /// Adds a field the schema does not know to a random object of `value` that has
    /// declared properties (maps accept any key).
    static func addUnknownField(_ value: inout JSONValue, schema: JSONValue, rng: inout SplitMix64) {
        guard case .object(var o) = value else { return }
        if schema["additionalProperties"] == nil {
            let candidates = o.keys.filter { k in
                let t = schema["properties"]?[k]?["type"]?.stringValue
                return t == "object" || t == "array"
            }
            if candidates.isEmpty || Bool.random(using: &rng) {
                o["zz-unknown"] = ["any": 1]
            } else {
                let k = candidates.randomElement(using: &rng)!
                var child = o[k] ?? .null
                let childSchema = schema["properties"]?[k] ?? [:]
                if case .array(var a) = child, !a.isEmpty {
                    let i = Int.random(in: 0..<a.count, using: &rng)
                    addUnknownField(&a[i], schema: childSchema["items"] ?? [:], rng: &rng)
                    child = .array(a)
                } else {
                    addUnknownField(&child, schema: childSchema, rng: &rng)
                }
                o[k] = child
            }
        }
        value = .object(o)
    }

    /// Every single mutation of `value` (valid for `schema` at field `path`) that the
    /// validator must reject at a known field.
    static func mutations(of value: JSONValue, schema: JSONValue, path: String, location: [Mutation.PathStep] = [])
        -> [Mutation]
    {
        var out: [Mutation] = []
        let type = schema["type"]?.stringValue ?? ""
        // Wrong type: a value of another JSON type.
        let wrong: JSONValue = type == "string" ? 7 : "wrong"
        let shownType = type == "string" ? "integer" : "string"
        // A non-string value under a string format fails the format as a type, naming
        // the value's Go format (kube-openapi's typeValidator).
        let expected =
            schema["format"] != nil
            ? "\(path) in body must be of type date: \"int64\""
            : "\(path) in body must be of type \(type): \"\(shownType)\""
        out.append(Mutation(kind: "wrong type", field: path, expected: expected, location: location, newValue: wrong))
        switch type {
        case "string":
            if schema["enum"] != nil {
                out.append(
                    Mutation(
                        kind: "enum", field: path, expected: #"Unsupported value: "zeta""#, location: location,
                        newValue: "zeta"))
            } else if let max = schema["maxLength"]?.int64Value {
                out.append(
                    Mutation(
                        kind: "too long", field: path, expected: "Too long: may not be more than \(max) bytes",
                        location: location, newValue: .string(String(repeating: "a", count: Int(max) + 1))))
            }
        case "integer":
            if let max = schema["maximum"]?.int64Value {
                out.append(
                    Mutation(
                        kind: "above maximum", field: path, expected: "should be less than or equal to \(max)",
                        location: location, newValue: .number(JSONNumber(max + 1))))
            }
        case "array":
            if let max = schema["maxItems"]?.int64Value, let items = schema["items"] {
                var rng = SplitMix64(seed: 1)
                let many = (0...max).map { _ in instance(of: items, rng: &rng) }
                out.append(
                    Mutation(
                        kind: "too many", field: path, expected: "Too many: \(max + 1): must have at most \(max) items",
                        location: location, newValue: .array(many)))
            }
            for (i, item) in (value.arrayValue ?? []).enumerated() {
                out += mutations(
                    of: item, schema: schema["items"] ?? [:], path: "\(path)[\(i)]", location: location + [.index(i)])
            }
        case "object":
            let o = value.objectValue ?? JSONObject()
            if let additional = schema["additionalProperties"] {
                for (k, v) in o {
                    out += mutations(of: v, schema: additional, path: "\(path).\(k)", location: location + [.key(k)])
                }
            } else {
                for k in (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue) where o[k] != nil {
                    out.append(
                        Mutation(
                            kind: "missing required", field: "\(path).\(k)", expected: "Required value",
                            location: location + [.key(k)], newValue: nil))
                }
                for (k, v) in o {
                    out += mutations(
                        of: v, schema: schema["properties"]?[k] ?? [:], path: "\(path).\(k)",
                        location: location + [.key(k)])
                }
            }
        default:
            break
        }
        return out
    }
}
