import EventLog
import KubeModel

/// What a list page says besides its items: the snapshot it was read at, the token for
/// the next page and, when known, how many matching objects follow.
public struct ListPage: Sendable, Hashable {
    /// The snapshot RV the page was read at.
    public var resourceVersion: ResourceVersion
    /// The token for the next page; `nil` on the last page.
    public var continueToken: String?
    /// How many more objects match after this page, when known without reading them.
    public var remainingItemCount: Int?

    /// A page's metadata.
    public init(resourceVersion: ResourceVersion, continueToken: String? = nil, remainingItemCount: Int? = nil) {
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
        self.remainingItemCount = remainingItemCount
    }
}

/// The JSON List envelope around stored item bytes, written without parsing the items:
/// `{"kind":"<ListKind>","apiVersion":"<gv>","metadata":{"resourceVersion":"N",...},"items":[...]}`.
public enum ListJSON {
    /// The bytes after the last item.
    public static let footer: [UInt8] = Array("]}".utf8)

    /// Appends everything before the first item: kind, apiVersion, the list metadata and `"items":[`.
    public static func appendHeader(to out: inout [UInt8], kind: String, apiVersion: String, page: ListPage) {
        out.append(contentsOf: #"{"kind":"#.utf8)
        appendString(kind, to: &out)
        out.append(contentsOf: #","apiVersion":"#.utf8)
        appendString(apiVersion, to: &out)
        out.append(contentsOf: #","metadata":{"resourceVersion":"#.utf8)
        appendString(String(page.resourceVersion), to: &out)
        if let token = page.continueToken, !token.isEmpty {
            out.append(contentsOf: #","continue":"#.utf8)
            appendString(token, to: &out)
        }
        if let remaining = page.remainingItemCount {
            out.append(contentsOf: #","remainingItemCount":"#.utf8)
            out.append(contentsOf: String(remaining).utf8)
        }
        out.append(contentsOf: #"},"items":["#.utf8)
    }

    /// A whole List body from item bytes (each one complete JSON).
    public static func body(kind: String, apiVersion: String, page: ListPage, items: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(items.reduce(256) { $0 + $1.count + 1 })
        appendHeader(to: &out, kind: kind, apiVersion: apiVersion, page: page)
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: item)
        }
        out.append(contentsOf: footer)
        return out
    }

    /// A JSON string literal, escaped as the JSON writer escapes it.
    private static func appendString(_ s: String, to out: inout [UInt8]) {
        JSONValue.string(s).serialize(into: &out)
    }
}
