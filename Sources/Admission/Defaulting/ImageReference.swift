/// The tag of a container image reference as k8s.io/kubernetes `parsers.ParseImageName`
/// reads it (distribution's reference grammar): the explicit tag, `latest` for a valid
/// reference with neither tag nor digest, and `""` for a digest-only or unparsable
/// reference. `SetDefaults_Container` pulls `Always` only for `latest`.
enum ImageReference {
    static func tag(of image: String) -> String {
        guard !image.isEmpty else { return "" }
        var remainder = Substring(image)
        var hasDigest = false
        if let at = remainder.firstIndex(of: "@") {
            guard isDigest(remainder[remainder.index(after: at)...]) else { return "" }
            hasDigest = true
            remainder = remainder[..<at]
        }
        var tag: Substring = ""
        let lastSlash = remainder.lastIndex(of: "/")
        if let colon = remainder.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            tag = remainder[remainder.index(after: colon)...]
            remainder = remainder[..<colon]
            guard isTag(tag) else { return "" }
        }
        guard isName(remainder) else { return "" }
        if tag.isEmpty && !hasDigest { return "latest" }
        return String(tag)
    }

    /// `[\w][\w.-]{0,127}`
    static func isTag(_ s: Substring) -> Bool {
        guard let first = s.first, s.count <= 128, isWord(first) else { return false }
        return s.allSatisfy { isWord($0) || $0 == "." || $0 == "-" }
    }

    /// `algorithm:hex` with at least 32 hex digits.
    static func isDigest(_ s: Substring) -> Bool {
        guard let colon = s.firstIndex(of: ":") else { return false }
        let algorithm = s[..<colon]
        let hex = s[s.index(after: colon)...]
        guard let first = algorithm.first, first.isASCII, first.isLetter else { return false }
        guard algorithm.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_+.".contains($0) }) else {
            return false
        }
        return hex.count >= 32 && hex.allSatisfy { $0.isHexDigit }
    }

    /// `[domain/]path`: the path's components are lowercase alphanumerics joined by
    /// `.`, `_`, `__` or dashes; a 64-hex-digit name is refused as an image ID.
    static func isName(_ s: Substring) -> Bool {
        guard !s.isEmpty, s.count <= 255 else { return false }
        var components = s.split(separator: "/", omittingEmptySubsequences: false)
        if components.count > 1, let domain = components.first,
            domain.contains(".") || domain.contains(":") || domain == "localhost"
                || domain.contains(where: \.isUppercase)
        {
            guard isDomain(domain) else { return false }
            components.removeFirst()
        } else if components.count == 1, s.count == 64, s.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
            return false
        }
        return components.allSatisfy(isPathComponent)
    }

    static func isPathComponent(_ c: Substring) -> Bool {
        guard let first = c.first, let last = c.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var previousSeparator = ""
        var index = c.startIndex
        while index < c.endIndex {
            let ch = c[index]
            if isLowerAlnum(ch) {
                previousSeparator = ""
            } else if ch == "." || ch == "_" || ch == "-" {
                let next = previousSeparator + String(ch)
                let allowed = next == "." || next == "_" || next == "__" || next.allSatisfy { $0 == "-" }
                guard allowed else { return false }
                previousSeparator = next
            } else {
                return false
            }
            index = c.index(after: index)
        }
        return true
    }

    static func isDomain(_ d: Substring) -> Bool {
        var host = d
        if let colon = d.lastIndex(of: ":") {
            let port = d[d.index(after: colon)...]
            guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            host = d[..<colon]
        }
        if host.hasPrefix("[") { return host.hasSuffix("]") }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            guard let f = label.first, let l = label.last, f.isASCII, l.isASCII, f.isLetter || f.isNumber,
                l.isLetter || l.isNumber
            else { return false }
            return label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    static func isWord(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }
    static func isLowerAlnum(_ c: Character) -> Bool { c.isASCII && (c.isLowercase || c.isNumber) }
}
