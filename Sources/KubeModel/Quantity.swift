/// A Kubernetes resource quantity (`resource.Quantity` of k8s.io/apimachinery): a fixed-point
/// number with a suffix, such as `100m`, `1.5Gi`, `2e3` or `128974848`.
///
/// The value is kept exactly, in units of 10⁻⁹ (the smallest step Kubernetes keeps: finer
/// fractions round up, away from zero, as `ParseQuantity` rounds them), which covers values up
/// to about 1.7×10²⁹. Parsing follows apimachinery's scanner and suffix table, and
/// `description` is the canonical form the apiserver prints (`String()`): the input itself
/// when it is already canonical, otherwise the shortest integer with an SI or binary suffix.
public struct Quantity: Sendable, Hashable, CustomStringConvertible {
    /// How a quantity is printed.
    public enum Format: Sendable, Hashable {
        /// `e3`, `e-6`, …
        case decimalExponent
        /// `Ki`, `Mi`, … (powers of 1024).
        case binarySI
        /// `n`, `u`, `m`, `k`, `M`, `G`, … (powers of 1000).
        case decimalSI
    }

    /// Why a string is not a quantity; the descriptions are apimachinery's error texts.
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case formatWrong, numeric, suffix

        public var description: String {
            switch self {
            case .formatWrong:
                "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            case .numeric: "unable to parse numeric part of quantity"
            case .suffix: "unable to parse quantity's suffix"
            }
        }
    }

    /// The value times 10⁹.
    public let nanos: Int128
    /// The format the quantity was written in (and is printed in).
    public let format: Format
    /// The input text when it was already canonical (then it is printed as written).
    private let canonicalInput: String?
    /// The `int64Amount` (unscaled value and decimal scale) apimachinery holds when it parsed
    /// the input on its fast path; nil when it used its arbitrary-precision form. Some
    /// apiserver messages print this internal form.
    public let goInt64Amount: GoInt64Amount?

    /// An unscaled value and a power-of-ten scale.
    public struct GoInt64Amount: Sendable, Hashable {
        public var value: Int64
        public var scale: Int
    }

    private static let nanoFactor: Int128 = 1_000_000_000

    /// Parses the Kubernetes quantity syntax.
    public init(parsing str: String) throws(ParseError) {
        if str.isEmpty { throw .formatWrong }
        if str == "0" {
            nanos = 0
            format = .decimalSI
            canonicalInput = str
            goInt64Amount = GoInt64Amount(value: 0, scale: 0)
            return
        }
        let scanned = try Self.scan(Array(str.utf8))
        guard let (base, exponent, fmt) = Self.interpret(scanned.suffix) else { throw .suffix }
        var digits = Array(scanned.num.utf8) + Array(scanned.denom.utf8)
        // The value is digits × 10^(-len(denom)) × base^exponent; compute it in nanos.
        var decimalShift = 9 - scanned.denom.utf8.count
        var binaryShift = 0
        if base == 10 { decimalShift += exponent } else { binaryShift = exponent }
        while digits.count > 1, digits.first == 48 { digits.removeFirst() }
        var magnitude: Int128 = 0
        var roundUp = false
        var overflow = false
        let keep = decimalShift < 0 ? max(0, digits.count + decimalShift) : digits.count
        for (i, d) in digits.enumerated() {
            if i < keep {
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int128(d - 48))
                overflow = overflow || o1 || o2
                magnitude = a
            } else if d != 48 {
                roundUp = true
            }
        }
        if decimalShift > 0 {
            for _ in 0..<decimalShift {
                let (m, o) = magnitude.multipliedReportingOverflow(by: 10)
                overflow = overflow || o
                magnitude = m
            }
        }
        if binaryShift > 0 {
            for _ in 0..<binaryShift {
                let (m, o) = magnitude.multipliedReportingOverflow(by: 2)
                overflow = overflow || o
                magnitude = m
            }
        }
        if roundUp { magnitude += 1 }
        if overflow { throw .numeric }
        var format = fmt
        if format == .binarySI, magnitude < Self.nanoFactor, magnitude > 0 { format = .decimalSI }
        self.nanos = scanned.positive ? magnitude : -magnitude
        self.format = format
        self.canonicalInput = Self.inputIsCanonical(scanned, exponent: exponent, format: fmt) ? str : nil
        self.goInt64Amount = Self.fastPathAmount(scanned, exponent: exponent, format: fmt)
    }

    /// `ParseQuantity`'s int64 fast path.
    private static func fastPathAmount(_ s: Scanned, exponent: Int, format: Format) -> GoInt64Amount? {
        let shifted = s.num + s.denom
        switch format {
        case .binarySI:
            guard exponent >= 0, s.denom.isEmpty else { return nil }
            let precision = 15 - s.num.utf8.count - Int(Float(exponent) * 3 / 10) - 1
            guard precision >= 0, let v = Int64(shifted) else { return nil }
            let (r, overflow) = v.multipliedReportingOverflow(by: Int64(1) << exponent)
            guard !overflow else { return nil }
            return GoInt64Amount(value: s.positive ? r : -r, scale: 0)
        case .decimalSI, .decimalExponent:
            let precision = 18 - (s.num.utf8.count + s.denom.utf8.count)
            let scale = exponent - s.denom.utf8.count
            guard precision >= 0, scale >= -9, let v = Int64(shifted) else { return nil }
            return GoInt64Amount(value: s.positive ? v : -v, scale: scale)
        }
    }

    /// A quantity of `nanos` × 10⁻⁹ printed in `format`.
    public init(nanos: Int128, format: Format = .decimalSI) {
        self.nanos = nanos
        self.format = format
        self.canonicalInput = nil
        self.goInt64Amount = nil
    }

    /// Whether ParseQuantity keeps the input string as the printed form (its fast path).
    private static func inputIsCanonical(_ s: Scanned, exponent: Int, format: Format) -> Bool {
        let shifted = s.num + s.denom
        switch format {
        case .binarySI:
            guard exponent >= 0, s.denom.isEmpty, exponent % 10 == 0 else { return false }
            let precision = 15 - s.num.utf8.count - Int(Float(exponent) * 3 / 10) - 1
            guard precision >= 0, let v = Int64(shifted) else { return false }
            return v & 0x07 != 0 && v.multipliedReportingOverflow(by: 1 << exponent).overflow == false
        case .decimalSI, .decimalExponent:
            let scale = exponent - s.denom.utf8.count
            let precision = 18 - (s.num.utf8.count + s.denom.utf8.count)
            guard precision >= 0, scale >= -9, Int64(shifted) != nil else { return false }
            return scale % 3 == 0 && !shifted.hasSuffix("000") && shifted.utf8.first != 48
        }
    }

    private struct Scanned {
        var positive = true
        var num = ""
        var denom = ""
        var suffix = ""
    }

    /// `parseQuantityString`.
    private static func scan(_ b: [UInt8]) throws(ParseError) -> Scanned {
        var out = Scanned()
        var pos = 0
        let end = b.count
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        func text(_ from: Int, _ to: Int) -> String { String(decoding: b[from..<to], as: UTF8.self) }
        if pos < end {
            if b[0] == 45 {
                out.positive = false
                pos += 1
            } else if b[0] == 43 {
                pos += 1
            }
        }
        while pos < end, b[pos] == 48 { pos += 1 }
        if pos >= end {
            out.num = "0"
            return out
        }
        var i = pos
        while i < end, isDigit(b[i]) { i += 1 }
        out.num = text(pos, i)
        if i >= end { return out }
        pos = i
        if out.num.isEmpty { out.num = "0" }
        if pos < end, b[pos] == 46 {
            pos += 1
            var j = pos
            while j < end, isDigit(b[j]) { j += 1 }
            out.denom = text(pos, j)
            if j >= end { return out }
            pos = j
        }
        let suffixStart = pos
        let suffixLetters = Set("eEinumkKMGTP".utf8)
        var k = pos
        while k < end, suffixLetters.contains(b[k]) { k += 1 }
        if k >= end {
            out.suffix = text(suffixStart, end)
            return out
        }
        pos = k
        if pos < end, b[pos] == 45 || b[pos] == 43 { pos += 1 }
        var m = pos
        while m < end, isDigit(b[m]) { m += 1 }
        if m >= end {
            out.suffix = text(suffixStart, end)
            return out
        }
        throw .formatWrong
    }

    /// `suffixer.interpret`: base, exponent and format of a suffix.
    private static func interpret(_ s: String) -> (Int, Int, Format)? {
        switch s {
        case "": return (10, 0, .decimalSI)
        case "n": return (10, -9, .decimalSI)
        case "u": return (10, -6, .decimalSI)
        case "m": return (10, -3, .decimalSI)
        case "k": return (10, 3, .decimalSI)
        case "M": return (10, 6, .decimalSI)
        case "G": return (10, 9, .decimalSI)
        case "T": return (10, 12, .decimalSI)
        case "P": return (10, 15, .decimalSI)
        case "E": return (10, 18, .decimalSI)
        case "Ki": return (2, 10, .binarySI)
        case "Mi": return (2, 20, .binarySI)
        case "Gi": return (2, 30, .binarySI)
        case "Ti": return (2, 40, .binarySI)
        case "Pi": return (2, 50, .binarySI)
        case "Ei": return (2, 60, .binarySI)
        default:
            guard s.utf8.count > 1, s.hasPrefix("e") || s.hasPrefix("E"), let e = Int64(s.dropFirst()),
                e > -1000, e < 1000
            else { return nil }
            return (10, Int(e), .decimalExponent)
        }
    }

    /// -1, 0 or 1.
    public var sign: Int { nanos < 0 ? -1 : (nanos > 0 ? 1 : 0) }
    /// Whether the value is zero.
    public var isZero: Bool { nanos == 0 }

    /// `ScaledValue`: the value in units of 10^`power` (−3 for milli), rounded away from zero.
    public func scaledValue(power: Int) -> Int128 {
        var divisor: Int128 = 1
        for _ in 0..<(9 + power) { divisor *= 10 }
        let (q, r) = nanos.quotientAndRemainder(dividingBy: divisor)
        if r > 0 { return q + 1 }
        if r < 0 { return q - 1 }
        return q
    }
    /// `MilliValue`: the value in thousandths, rounded up.
    public var milliValue: Int128 { scaledValue(power: -3) }
    /// `Value`: the value rounded up to an integer.
    public var value: Int128 { scaledValue(power: 0) }

    /// `Cmp`.
    public func compare(_ other: Quantity) -> Int {
        nanos < other.nanos ? -1 : (nanos > other.nanos ? 1 : 0)
    }

    /// The canonical form (`Quantity.String()`).
    public var description: String {
        if let canonicalInput { return canonicalInput }
        if nanos == 0 { return "0" }
        var format = format
        if format == .binarySI {
            if nanos > -1024 * Self.nanoFactor && nanos < 1024 * Self.nanoFactor {
                format = .decimalSI
            } else if nanos % Self.nanoFactor != 0 {
                format = .decimalSI
            }
        }
        if format == .binarySI {
            var amount = nanos / Self.nanoFactor
            var exponent = 0
            while amount != 0, amount % 1024 == 0, exponent < 6 {
                amount /= 1024
                exponent += 1
            }
            // removeInt64Factors keeps dividing past Ei; a suffix beyond Ei has no name.
            let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
            return String(amount) + suffixes[exponent]
        }
        var amount = nanos
        var exponent = -9
        while amount % 10 == 0 {
            amount /= 10
            exponent += 1
        }
        switch ((exponent % 3) + 3) % 3 {
        case 1:
            amount *= 10
            exponent -= 1
        case 2:
            amount *= 100
            exponent -= 2
        default: break
        }
        let number = String(amount)
        if format == .decimalExponent { return exponent == 0 ? number : number + "e" + String(exponent) }
        let names: [Int: String] = [
            -9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E",
        ]
        return number + (names[exponent] ?? "")
    }
}

extension Quantity {
    /// A quantity as it appears in JSON: a string or a number (both are accepted by the
    /// apiserver's decoder). Nil when `value` is absent or null.
    public init?(json value: JSONValue?) throws(ParseError) {
        switch value {
        case .string(let s): try self.init(parsing: s)
        case .number(let n): try self.init(parsing: n.text)
        case .none, .null?: return nil
        default: throw .formatWrong
        }
    }
}
