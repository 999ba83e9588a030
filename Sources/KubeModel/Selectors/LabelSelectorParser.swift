/// The lexer and recursive-descent parser of apimachinery's `labels.Parse`,
/// reproduced token for token so malformed input fails with the same messages.
struct LabelSelectorParser {
    enum Token: Equatable {
        case endOfString, closedPar, comma, doesNotExist, doubleEquals, equals, greaterThan
        case identifier, `in`, lessThan, notEquals, notIn, openPar
    }

    enum Context { case keyAndOperator, values }

    private var items: [(token: Token, literal: String)] = []
    private var position = 0

    init(_ input: String) {
        items = Self.lex(Array(input.utf8))
    }

    // MARK: lexer

    private static func isWhitespace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 13 || c == 10 }
    private static func isSpecial(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","),
            UInt8(ascii: ">"), UInt8(ascii: "<"):
            return true
        default: return false
        }
    }

    private static func symbolToken(_ s: String) -> Token? {
        switch s {
        case ")": .closedPar
        case ",": .comma
        case "!": .doesNotExist
        case "==": .doubleEquals
        case "=": .equals
        case ">": .greaterThan
        case "<": .lessThan
        case "!=": .notEquals
        case "(": .openPar
        default: nil
        }
    }

    private static func lex(_ b: [UInt8]) -> [(token: Token, literal: String)] {
        var out: [(Token, String)] = []
        var i = 0
        // Go's lexer treats a NUL byte as the end of input.
        func at(_ j: Int) -> UInt8 { j < b.count ? b[j] : 0 }
        while true {
            while at(i) != 0 && isWhitespace(at(i)) { i += 1 }
            let c = at(i)
            if c == 0 {
                out.append((.endOfString, ""))
                return out
            }
            if isSpecial(c) {
                var buffer: [UInt8] = []
                var last: (Token, String)? = nil
                while at(i) != 0 && isSpecial(at(i)) {
                    buffer.append(at(i))
                    let s = String(decoding: buffer, as: UTF8.self)
                    if let t = symbolToken(s) {
                        last = (t, s)
                        i += 1
                    } else if last != nil {
                        break
                    } else {
                        i += 1
                    }
                }
                // Every single special character is a token, so `last` is set.
                out.append(last ?? (.identifier, String(decoding: buffer, as: UTF8.self)))
            } else {
                let start = i
                while at(i) != 0 && !isWhitespace(at(i)) && !isSpecial(at(i)) { i += 1 }
                let s = String(decoding: b[start..<i], as: UTF8.self)
                switch s {
                case "in": out.append((.in, s))
                case "notin": out.append((.notIn, s))
                default: out.append((.identifier, s))
                }
            }
        }
    }

    // MARK: parser

    private func lookahead(_ context: Context) -> (Token, String) {
        var (t, l) = items[min(position, items.count - 1)]
        if context == .values, t == .in || t == .notIn { t = .identifier }
        return (t, l)
    }

    private mutating func consume(_ context: Context) -> (Token, String) {
        let r = lookahead(context)
        if position < items.count - 1 { position += 1 }
        return r
    }

    mutating func parse() throws(SelectorError) -> [LabelRequirement] {
        var reqs: [LabelRequirement] = []
        while true {
            let (tok, lit) = lookahead(.values)
            switch tok {
            case .identifier, .doesNotExist:
                do {
                    reqs.append(try parseRequirement())
                } catch {
                    throw SelectorError("unable to parse requirement: \(error.message)")
                }
                let (t, l) = consume(.values)
                switch t {
                case .endOfString:
                    return reqs
                case .comma:
                    let (t2, l2) = lookahead(.values)
                    if t2 != .identifier && t2 != .doesNotExist {
                        throw SelectorError("found '\(l2)', expected: identifier after ','")
                    }
                default:
                    throw SelectorError("found '\(l)', expected: ',' or 'end of string'")
                }
            case .endOfString:
                return reqs
            default:
                throw SelectorError("found '\(lit)', expected: !, identifier, or 'end of string'")
            }
        }
    }

    private mutating func parseRequirement() throws(SelectorError) -> LabelRequirement {
        var op: LabelRequirement.Operator? = nil
        var (tok, literal) = consume(.values)
        if tok == .doesNotExist {
            op = .doesNotExist
            (tok, literal) = consume(.values)
        }
        guard tok == .identifier else { throw SelectorError("found '\(literal)', expected: identifier") }
        let key = literal
        let keyErrors = NameValidation.isQualifiedName(key)
        if !keyErrors.isEmpty {
            // apimachinery validates with a nil field path, which prints as "<nil>".
            throw SelectorError(FieldError.invalid("<nil>", key, keyErrors.joined(separator: "; ")).description)
        }
        let (next, _) = lookahead(.values)
        if next == .endOfString || next == .comma, op == nil { op = .exists }
        if let op, op == .exists || op == .doesNotExist {
            return try LabelRequirement(key: key, op: op, values: [])
        }
        let binary = try parseOperator()
        let values: [String]
        switch binary {
        case .in, .notIn: values = try parseValues()
        default: values = try parseExactValue()
        }
        return try LabelRequirement(key: key, op: binary, values: values)
    }

    private mutating func parseOperator() throws(SelectorError) -> LabelRequirement.Operator {
        let (tok, lit) = consume(.keyAndOperator)
        switch tok {
        case .in: return .in
        case .equals: return .equals
        case .doubleEquals: return .doubleEquals
        case .greaterThan: return .greaterThan
        case .lessThan: return .lessThan
        case .notIn: return .notIn
        case .notEquals: return .notEquals
        default: throw SelectorError("found '\(lit)', expected: in, notin, =, ==, !=, gt, lt")
        }
    }

    private mutating func parseValues() throws(SelectorError) -> [String] {
        var (tok, lit) = consume(.values)
        guard tok == .openPar else { throw SelectorError("found '\(lit)' expected: '('") }
        (tok, lit) = lookahead(.values)
        switch tok {
        case .identifier, .comma:
            let s = try parseIdentifiersList()
            if consume(.values).0 != .closedPar { throw SelectorError("found '\(lit)', expected: ')'") }
            return s
        case .closedPar:
            _ = consume(.values)
            return [""]
        default:
            throw SelectorError("found '\(lit)', expected: ',', ')' or identifier")
        }
    }

    private mutating func parseIdentifiersList() throws(SelectorError) -> [String] {
        var s: Set<String> = []
        // Bounded: every iteration consumes at least one token.
        for _ in 0..<items.count + 1 {
            let (tok, lit) = consume(.values)
            switch tok {
            case .identifier:
                s.insert(lit)
                let (t2, l2) = lookahead(.values)
                switch t2 {
                case .comma: continue
                case .closedPar: return Array(s)
                default: throw SelectorError("found '\(l2)', expected: ',' or ')'")
                }
            case .comma:
                if s.isEmpty { s.insert("") }
                let (t2, _) = lookahead(.values)
                if t2 == .closedPar {
                    s.insert("")
                    return Array(s)
                }
                if t2 == .comma {
                    _ = consume(.values)
                    s.insert("")
                }
            default:
                throw SelectorError("found '\(lit)', expected: ',', or identifier")
            }
        }
        throw SelectorError("found '', expected: ',', or identifier")
    }

    private mutating func parseExactValue() throws(SelectorError) -> [String] {
        let (t, _) = lookahead(.values)
        if t == .endOfString || t == .comma { return [""] }
        let (tok, lit) = consume(.values)
        if tok == .identifier { return [lit] }
        throw SelectorError("found '\(lit)', expected: identifier")
    }
}
