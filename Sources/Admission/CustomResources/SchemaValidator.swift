import Foundation
import KubeModel

/// One error of kube-openapi's validator (`pkg/validation/errors`): its code, the dotted
/// name of the value, the value Go keeps with it and the message.
struct OpenAPIError: Equatable {
    enum Code: Equatable {
        case invalidType, required, tooLong, tooShort, pattern, enumFail, multipleOf, maximum, minimum
        case unique, maxItems, minItems, tooFewProperties, tooManyProperties, unallowedProperty
        case multipleOfMustBePositive
        /// Not an `errors.Validation` (anyOf/oneOf/allOf/not): reported at the root.
        case composite
    }

    var code: Code
    /// `errors.Validation.Name`: the dotted path the validator was at.
    var name: String
    /// `errors.Validation.Value`, as the field error prints it; nil for Go's nil.
    var value: FieldError.BadValue?
    /// `errors.Validation.Valid` where the conversion uses it (maximum lengths and counts).
    var valid: Int64?
    /// The allowed values of an enum.
    var enumValues: [JSONValue] = []
    var message: String
}

/// kube-openapi's `validate.SchemaValidator` (`pkg/validation/validate`) over a custom
/// resource, with apiextensions' ratcheting (`pkg/apiserver/validation/ratcheting.go`):
/// when an update is validated, the errors of a value that is deep-equal to the value it
/// correlates with in the old object are dropped.
struct SchemaValidator {
    /// Validates `value` at `path` (the dotted name messages print; empty at the root).
    /// `old` is the correlated old value, or nil when there is none (create, or a part
    /// of the object ratcheting cannot correlate).
    static func validate(_ value: JSONValue, _ s: SchemaNode, path: String, old: JSONValue?) -> [OpenAPIError] {
        let errors = node(value, s, path: path, old: old)
        if let old, !errors.isEmpty, deepEqual(old, value) { return [] }
        return errors
    }

    /// One `SchemaValidator.Validate`: the validators in kube-openapi's order (type,
    /// schema props, string, format, number, slice, enum, object).
    private static func node(_ value: JSONValue, _ s: SchemaNode, path: String, old: JSONValue?) -> [OpenAPIError] {
        var errs: [OpenAPIError] = []
        let g = GoValue(value)
        if case .null = g {
            if !s.validationTypes.isEmpty || !s.format.isEmpty {
                if !s.validationTypes.isEmpty && !s.nullable {
                    errs.append(invalidType(path, s.validationTypes.joined(separator: ","), "null"))
                }
            }
            errs += enumCheck(value, s, path: path)
            return errs
        }
        if !s.validationTypes.isEmpty || !s.format.isEmpty {
            if let e = typeCheck(g, s, path: path) { errs.append(e) }
        }
        errs += schemaProps(value, s, path: path, old: old)
        if case .string(let str) = g {
            if let e = stringCheck(str, s, path: path) { errs.append(e) }
            if !s.format.isEmpty && !SchemaFormats.validates(s.formatKey, str) {
                errs.append(invalidType(path, s.format, str))
            }
        }
        switch g {
        case .int(let i): errs += intCheck(i, s, path: path)
        case .float(let f): errs += floatCheck(f, s, path: path)
        default: break
        }
        if case .array(let items) = g { errs += sliceCheck(items, s, path: path, old: old) }
        errs += enumCheck(value, s, path: path)
        if case .object(let o) = g { errs += objectCheck(o, s, path: path, old: old) }
        return errs
    }

    // MARK: type

    private static func invalidType(_ path: String, _ type: String, _ value: String) -> OpenAPIError {
        OpenAPIError(
            code: .invalidType, name: path, value: .string(value),
            message: "\(path) in body must be of type \(type): \(goQuoted(value))")
    }

    /// `typeValidator.Validate` for what unstructured decoding produces.
    private static func typeCheck(_ g: GoValue, _ s: SchemaNode, path: String) -> OpenAPIError? {
        let types = s.validationTypes
        let (schType, format): (String, String)
        var isStringOrSlice = false
        var integralFloat = false
        switch g {
        case .bool: (schType, format) = ("boolean", "")
        case .string:
            (schType, format) = ("string", "")
            isStringOrSlice = true
        case .int: (schType, format) = ("integer", "int64")
        case .float(let f):
            (schType, format) = ("number", "float64")
            integralFloat = isJSONInteger(f)
        case .array:
            (schType, format) = ("array", "")
            isStringOrSlice = true
        case .object: (schType, format) = ("object", "")
        case .null: return nil
        }
        let isFloatInt = schType == "number" && integralFloat && types.contains("integer")
        let isIntFloat = schType == "integer" && types.contains("number")
        if !isStringOrSlice && !s.format.isEmpty
            && !(types.contains(schType) || format == s.format || isFloatInt || isIntFloat)
        {
            return invalidType(path, s.format, format)
        }
        if !(types.contains("number") || types.contains("integer")) && !s.format.isEmpty && isStringOrSlice {
            return nil
        }
        if !(types.contains(schType) || isFloatInt || isIntFloat) {
            return invalidType(path, types.joined(separator: ","), schType)
        }
        return nil
    }

    /// swag `IsFloat64AJSONInteger`.
    static func isJSONInteger(_ f: Double) -> Bool {
        f.isFinite && f == f.rounded(.towardZero) && abs(f) <= 9_007_199_254_740_991
    }

    // MARK: strings

    /// `stringValidator.Validate`: the first of maxLength, minLength, pattern that fails.
    private static func stringCheck(_ str: String, _ s: SchemaNode, path: String) -> OpenAPIError? {
        let length = Int64(str.unicodeScalars.count)
        if let max = s.maxLength, length > max {
            return OpenAPIError(
                code: .tooLong, name: path, value: .string(str), valid: max,
                message: "\(path) in body should be at most \(max) chars long")
        }
        if let min = s.minLength, length < min {
            return OpenAPIError(
                code: .tooShort, name: path, value: .string(str), valid: min,
                message: "\(path) in body should be at least \(min) chars long")
        }
        if !s.pattern.isEmpty {
            if let error = s.patternError {
                return OpenAPIError(
                    code: .pattern, name: path, value: .string(str),
                    message: "\(path) in body should match '\(s.pattern), but pattern is invalid: \(error)'")
            }
            if !SchemaFormats.matches(str, s.compiledPattern) {
                return OpenAPIError(
                    code: .pattern, name: path, value: .string(str),
                    message: "\(path) in body should match '\(s.pattern)'")
            }
        }
        return nil
    }

    // MARK: numbers

    /// Go's `int64(f)` (saturating where Go's result is platform-defined).
    private static func goInt64(_ f: Double) -> Int64 {
        if f.isNaN { return Int64.min }
        if f >= 9.2233720368547758e18 || f < -9.2233720368547758e18 { return Int64.min }
        return Int64(f.rounded(.towardZero))
    }

    /// `numberValidator.Validate` for an `int64`: multipleOf, minimum, maximum.
    private static func intCheck(_ v: Int64, _ s: SchemaNode, path: String) -> [OpenAPIError] {
        var errs: [OpenAPIError] = []
        if let m = s.multipleOf {
            let factor = goInt64(m)
            if factor <= 0 {
                errs.append(
                    OpenAPIError(
                        code: .multipleOfMustBePositive, name: path, value: .integer(factor),
                        message: "factor MultipleOf declared for \(path) must be positive: \(factor)"))
            } else if v % factor != 0 {
                errs.append(
                    OpenAPIError(
                        code: .multipleOf, name: path, value: .integer(v),
                        message: "\(path) in body should be a multiple of \(factor)"))
            }
        }
        if let min = s.minimum {
            let bound = goInt64(min)
            if (!s.exclusiveMinimum && v < bound) || (s.exclusiveMinimum && v <= bound) {
                let op = s.exclusiveMinimum ? "greater than" : "greater than or equal to"
                errs.append(
                    OpenAPIError(
                        code: .minimum, name: path, value: .integer(v),
                        message: "\(path) in body should be \(op) \(bound)"))
            }
        }
        if let max = s.maximum {
            let bound = goInt64(max)
            if (!s.exclusiveMaximum && v > bound) || (s.exclusiveMaximum && v >= bound) {
                let op = s.exclusiveMaximum ? "less than" : "less than or equal to"
                errs.append(
                    OpenAPIError(
                        code: .maximum, name: path, value: .integer(v),
                        message: "\(path) in body should be \(op) \(bound)"))
            }
        }
        return errs
    }

    /// `numberValidator.Validate` for a `float64`.
    private static func floatCheck(_ v: Double, _ s: SchemaNode, path: String) -> [OpenAPIError] {
        var errs: [OpenAPIError] = []
        let value = FieldError.BadValue.raw(GoRendering.float(v))
        if let factor = s.multipleOf {
            if factor <= 0 {
                errs.append(
                    OpenAPIError(
                        code: .multipleOfMustBePositive, name: path, value: .raw(GoRendering.float(factor)),
                        message: "factor MultipleOf declared for \(path) must be positive: \(GoRendering.float(factor))"
                    ))
            } else {
                let mult = factor < 1 ? 1 / factor * v : v / factor
                if !isJSONInteger(mult) {
                    errs.append(
                        OpenAPIError(
                            code: .multipleOf, name: path, value: value,
                            message: "\(path) in body should be a multiple of \(GoRendering.float(factor))"))
                }
            }
        }
        if let min = s.minimum, (!s.exclusiveMinimum && v < min) || (s.exclusiveMinimum && v <= min) {
            let op = s.exclusiveMinimum ? "greater than" : "greater than or equal to"
            errs.append(
                OpenAPIError(
                    code: .minimum, name: path, value: value,
                    message: "\(path) in body should be \(op) \(GoRendering.float(min))"))
        }
        if let max = s.maximum, (!s.exclusiveMaximum && v > max) || (s.exclusiveMaximum && v >= max) {
            let op = s.exclusiveMaximum ? "less than" : "less than or equal to"
            errs.append(
                OpenAPIError(
                    code: .maximum, name: path, value: value,
                    message: "\(path) in body should be \(op) \(GoRendering.float(max))"))
        }
        return errs
    }

    // MARK: arrays

    /// `schemaSliceValidator.Validate`: items, then minItems, maxItems, uniqueItems.
    private static func sliceCheck(_ items: [JSONValue], _ s: SchemaNode, path: String, old: JSONValue?)
        -> [OpenAPIError]
    {
        var errs: [OpenAPIError] = []
        if let itemSchema = s.items {
            let oldItems = old?.arrayValue
            for (i, item) in items.enumerated() {
                let correlated = oldItems.flatMap { correlateListItem(item, in: $0, schema: s) }
                errs += validate(item, itemSchema, path: "\(path)[\(i)]", old: correlated)
            }
        }
        let size = Int64(items.count)
        if let min = s.minItems, size < min {
            errs.append(
                OpenAPIError(
                    code: .minItems, name: path, value: .integer(size), valid: min,
                    message: "\(path) in body should have at least \(min) items"))
        }
        if let max = s.maxItems, size > max {
            errs.append(
                OpenAPIError(
                    code: .maxItems, name: path, value: .integer(size), valid: max,
                    message: "\(path) in body should have at most \(max) items"))
        }
        if s.uniqueItems {
            var seen: [JSONValue] = []
            for item in items {
                if seen.contains(item) {
                    errs.append(
                        OpenAPIError(
                            code: .unique, name: path, value: nil,
                            message: "\(path) in body shouldn't contain duplicates"))
                    break
                }
                seen.append(item)
            }
        }
        return errs
    }

    /// `CorrelatedObject.Index`: only items of `x-kubernetes-list-type: map` lists
    /// correlate, with the old item that has the same key values.
    static func correlateListItem(_ item: JSONValue, in oldItems: [JSONValue], schema: SchemaNode) -> JSONValue? {
        guard schema.listType == "map", !schema.listMapKeys.isEmpty, case .object(let o) = item else { return nil }
        let keys = schema.listMapKeys.map { o[$0] }
        return oldItems.first { candidate in
            guard case .object(let c) = candidate else { return false }
            return schema.listMapKeys.map { c[$0] } == keys
        }
    }

    // MARK: enum

    /// `basicCommonValidator.Validate`: the value must equal one of the enum values after
    /// Go's conversion to the enum value's type.
    private static func enumCheck(_ value: JSONValue, _ s: SchemaNode, path: String) -> [OpenAPIError] {
        guard !s.enumValues.isEmpty else { return [] }
        if s.enumValues.contains(where: { enumMatches(value, $0) }) { return [] }
        return [
            OpenAPIError(
                code: .enumFail, name: path, value: value.isNull ? nil : GoRendering.badValue(value),
                enumValues: s.enumValues, message: "\(path) in body should be one of \(GoRendering.list(s.enumValues))")
        ]
    }

    /// `reflect.DeepEqual(reflect.ValueOf(data).Convert(typeOf(enumValue)), enumValue)`.
    private static func enumMatches(_ data: JSONValue, _ allowed: JSONValue) -> Bool {
        switch (GoValue(data), GoValue(allowed)) {
        case (.null, _), (_, .null): return false
        case (.int(let a), .int(let b)): return a == b
        case (.int(let a), .float(let b)): return Double(a) == b
        case (.float(let a), .float(let b)): return a == b
        case (.float(let a), .int(let b)): return goInt64(a) == b
        case (.int(let a), .string(let b)):
            // Go converts an integer to the string of that code point.
            return UInt32(exactly: a).flatMap(Unicode.Scalar.init).map { String(Character($0)) == b }
                ?? (b == "\u{FFFD}")
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.array, .array), (.object, .object): return deepEqual(data, allowed)
        default: return false
        }
    }

    /// `reflect.DeepEqual` of unstructured values: numbers equal only with the same Go type.
    static func deepEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (GoValue(a), GoValue(b)) {
        case (.int(let x), .int(let y)): return x == y
        case (.float(let x), .float(let y)): return x == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(deepEqual)
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { m in y[m.key].map { deepEqual(m.value, $0) } ?? false }
        default: return a == b
        }
    }

    // MARK: objects

    /// `objectValidator.Validate`: property counts, additional properties, properties
    /// (in declaration order where Go's map order is random), then required.
    private static func objectCheck(_ o: JSONObject, _ s: SchemaNode, path: String, old: JSONValue?) -> [OpenAPIError] {
        var errs: [OpenAPIError] = []
        let n = Int64(o.count)
        if let min = s.minProperties, n < min {
            errs.append(
                OpenAPIError(
                    code: .tooFewProperties, name: path, value: .integer(n), valid: min,
                    message: "\(path) in body should have at least \(min) properties"))
        }
        if let max = s.maxProperties, n > max {
            errs.append(
                OpenAPIError(
                    code: .tooManyProperties, name: path, value: .integer(n), valid: max,
                    message: "\(path) in body should have at most \(max) properties"))
        }
        let oldObject = old?.objectValue
        func correlated(_ key: String) -> JSONValue? {
            if path.isEmpty && (key == "kind" || key == "apiVersion") { return nil }
            return oldObject?[key]
        }
        if case .allows(false)? = s.additionalProperties {
            for (k, _) in o where s.property(k) == nil {
                errs.append(
                    OpenAPIError(
                        code: .unallowedProperty, name: path, value: .string(k),
                        message: "\(path).\(k) in body is a forbidden property"))
            }
        } else if let additional = s.additionalProperties?.schema {
            for (k, v) in o where s.property(k) == nil {
                errs += validate(v, additional, path: path + "." + k, old: correlated(k))
            }
        }
        for (name, schema) in s.properties {
            guard let v = o[name] else { continue }
            errs += validate(v, schema, path: path.isEmpty ? name : path + "." + name, old: correlated(name))
        }
        for k in s.required where o[k] == nil {
            errs.append(
                OpenAPIError(
                    code: .required, name: path + "." + k, value: nil, message: "\(path).\(k) in body is required"))
        }
        return errs
    }

    // MARK: allOf, anyOf, oneOf, not

    /// `schemaPropsValidator.Validate`. Where several alternatives fail, Go reports the
    /// one with the highest match count; this reports the one with the fewest errors.
    private static func schemaProps(_ value: JSONValue, _ s: SchemaNode, path: String, old: JSONValue?)
        -> [OpenAPIError]
    {
        var errs: [OpenAPIError] = []
        func composite(_ message: String) -> OpenAPIError {
            OpenAPIError(code: .composite, name: path, value: nil, message: message)
        }
        func best(_ results: [[OpenAPIError]]) -> [OpenAPIError] {
            results.min { $0.count < $1.count } ?? []
        }
        if !s.anyOf.isEmpty {
            let results = s.anyOf.map { node(value, $0, path: path, old: old) }
            if !results.contains(where: \.isEmpty) {
                errs.append(composite("\(goQuoted(path)) must validate at least one schema (anyOf)"))
                errs += best(results)
            }
        }
        if !s.oneOf.isEmpty {
            let results = s.oneOf.map { node(value, $0, path: path, old: old) }
            let valid = results.filter(\.isEmpty).count
            if valid != 1 {
                let detail = valid == 0 ? "Found none valid" : "Found \(valid) valid alternatives"
                errs.append(composite("\(goQuoted(path)) must validate one and only one schema (oneOf). \(detail)"))
                if valid == 0 { errs += best(results) }
            }
        }
        if !s.allOf.isEmpty {
            let results = s.allOf.map { node(value, $0, path: path, old: old) }
            let valid = results.filter(\.isEmpty).count
            errs += results.flatMap { $0 }
            if valid != results.count {
                errs.append(
                    composite(
                        "\(goQuoted(path)) must validate all the schemas (allOf)"
                            + (valid == 0 ? ". None validated" : "")))
            }
        }
        if let not = s.not, node(value, not, path: path, old: old).isEmpty {
            errs.append(composite("\(goQuoted(path)) must not validate the schema (not)"))
        }
        return errs
    }
}

extension OpenAPIError {
    /// apiextensions' `kubeOpenAPIResultToFieldErrors`: the field error the apiserver
    /// reports, under `prefix` (nil for the whole object, `status` for the status
    /// subresource).
    func fieldError(prefix: String?) -> FieldError {
        let trimmed = name.hasPrefix(".") ? String(name.dropFirst()) : name
        var field: String
        if code == .composite {
            field = prefix ?? "<nil>"
        } else if trimmed.isEmpty {
            field = prefix ?? "<nil>"
        } else {
            field = prefix.map { "\($0).\(trimmed)" } ?? trimmed
        }
        let bad = value ?? .string("")
        switch code {
        case .required:
            return FieldError(.required, field: field)
        case .enumFail:
            let supported = enumValues.map { v -> String in
                if case .string(let s) = v { return s }
                return String(decoding: v.serialized(), as: UTF8.self)
            }
            let detail =
                supported.isEmpty ? "" : "supported values: " + supported.map(goQuoted).joined(separator: ", ")
            return FieldError(.notSupported, field: field, value: value ?? .null, detail: detail)
        case .tooLong:
            return FieldError.tooLong(field, maxBytes: Int(valid ?? -1))
        case .maxItems, .tooManyProperties:
            return FieldError(.tooMany, field: field, value: bad, detail: "must have at most \(valid ?? -1) items")
        case .invalidType:
            return FieldError(.typeInvalid, field: field, value: bad, detail: message)
        default:
            return FieldError(.invalid, field: field, value: bad, detail: message)
        }
    }
}
