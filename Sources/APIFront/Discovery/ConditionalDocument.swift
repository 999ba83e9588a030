import Hummingbird
import KubeModel
import NIOCore

extension HTTPField.Name {
    // Constant, valid field names: construction cannot fail.
    static let ifNoneMatch = HTTPField.Name("If-None-Match")!
    static let entityTag = HTTPField.Name("ETag")!
}

extension APIFront {
    /// A discovery or OpenAPI document with an `ETag` (a hash of its bytes), answered
    /// 304 Not Modified without a body when the request's `If-None-Match` names that tag —
    /// as kube-apiserver does for aggregated discovery and OpenAPI, so a client (or an
    /// edge refreshing its mirror) revalidates an unchanged document for a few hundred bytes.
    func document(_ bytes: [UInt8], contentType: String, for request: Request) -> Response {
        let tag = Self.entityTag(of: bytes)
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-cache, private"
        headers[.entityTag] = tag
        if Self.matches(ifNoneMatch: request.headers[values: .ifNoneMatch], tag: tag) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: Self.body(bytes: bytes))
    }

    /// `"<16 hex digits>"`: FNV-1a 64 of the bytes (a validator, not a security hash).
    static func entityTag(of bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }

    /// RFC 9110 `If-None-Match`: `*`, or a list of entity tags compared weakly (a `W/`
    /// prefix is ignored).
    static func matches(ifNoneMatch values: [String], tag: String) -> Bool {
        for value in values {
            for candidate in value.split(separator: ",") {
                var t = candidate.trimmingCharacters(in: .whitespaces)
                if t == "*" { return true }
                if t.hasPrefix("W/") { t.removeFirst(2) }
                if t == tag { return true }
            }
        }
        return false
    }
}
