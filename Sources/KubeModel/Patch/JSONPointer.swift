/// An RFC 6901 JSON Pointer such as `/spec/containers/0/image`.
///
/// `~1` decodes to `/` and `~0` to `~` (in that order, so `~01` is `~1`); any other `~`
/// sequence is an error. The empty string points at the whole document.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The decoded reference tokens.
    public let tokens: [String]
    /// The pointer as written.
    public let text: String

    /// Parses a pointer; throws `.unprocessable` for text that is not a JSON Pointer.
    public init(_ text: String) throws(PatchError) {
        self.text = text
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.utf8.first == UInt8(ascii: "/") else {
            throw .unprocessable("invalid JSON pointer \"\(text)\": it must be empty or start with \"/\"")
        }
        var result: [String] = []
        for raw in text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst() {
            guard let token = Self.unescape(raw) else {
                throw .unprocessable(
                    "invalid JSON pointer \"\(text)\": \"~\" must be followed by \"0\" or \"1\"")
            }
            result.append(token)
        }
        tokens = result
    }

    /// Builds a pointer from unescaped tokens.
    public init(tokens: [String]) {
        self.tokens = tokens
        self.text = tokens.map { "/" + Self.escape($0) }.joined()
    }

    public var description: String { text }

    /// Escapes one reference token (`~` → `~0`, `/` → `~1`).
    public static func escape(_ token: String) -> String {
        guard token.contains(where: { $0 == "~" || $0 == "/" }) else { return token }
        var out = ""
        for c in token {
            switch c {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.append(c)
            }
        }
        return out
    }

    private static func unescape(_ raw: Substring.UTF8View.SubSequence) -> String? {
        guard raw.contains(UInt8(ascii: "~")) else { return String(decoding: raw, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var it = raw.makeIterator()
        while let b = it.next() {
            if b == UInt8(ascii: "~") {
                switch it.next() {
                case UInt8(ascii: "0"): bytes.append(UInt8(ascii: "~"))
                case UInt8(ascii: "1"): bytes.append(UInt8(ascii: "/"))
                default: return nil
                }
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses an array index token: `0` or a number without leading zeros, within `Int`.
    /// Returns nil for anything else (including `-`, signs and leading zeros).
    static func arrayIndex(_ token: String) -> Int? {
        let u = token.utf8
        guard let first = u.first, u.count <= 18 else { return nil }
        if first == UInt8(ascii: "0") { return u.count == 1 ? 0 : nil }
        var n = 0
        for b in u {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + Int(b - UInt8(ascii: "0"))
        }
        return n
    }

    /// The value this pointer refers to in `doc`, or nil when it does not exist.
    public func resolve(in doc: JSONValue) -> JSONValue? {
        var cur = doc
        for t in tokens {
            switch cur {
            case .object(let o):
                guard let next = o[t] else { return nil }
                cur = next
            case .array(let a):
                guard let i = Self.arrayIndex(t), i < a.count else { return nil }
                cur = a[i]
            default:
                return nil
            }
        }
        return cur
    }

    /// True when `self` is a proper prefix of `other` (`/a` of `/a/b`, not of `/ab`).
    func isProperPrefix(of other: JSONPointer) -> Bool {
        tokens.count < other.tokens.count && Array(other.tokens.prefix(tokens.count)) == tokens
    }
}
