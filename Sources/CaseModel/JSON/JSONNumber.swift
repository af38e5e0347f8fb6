/// A JSON number that stays exact: integers beyond `Int64`, long decimals and the spelling
/// of the original literal survive parsing, comparison and re-serialisation.
///
/// Equality is numeric (`1 == 1.0 == 1e0`), as JSON Schema requires.
public struct JSONNumber: Sendable {
    enum Storage: Sendable {
        /// Integers written as plain digits that fit `Int64`: the common case, no allocation.
        case int(Int64)
        /// Everything else, normalised to digits × 10^exponent.
        case exact(Exact)
    }

    /// A normalised decimal. Shared by reference so `JSONValue` stays small.
    final class Exact: Sendable {
        let negative: Bool
        /// Significand digits (0...9), without leading or trailing zeros; empty means zero.
        let digits: [UInt8]
        /// Value = digits × 10^exponent.
        let exponent: Int
        /// The literal as written, when it differs from the canonical rendering.
        let literal: String?
        /// Correctly rounded nearest `Double` (may be ±infinity for huge exponents).
        let double: Double
        /// True when ordering by `double` is exact: at most 15 significant digits in range.
        let orderedByDouble: Bool

        init(negative: Bool, digits: [UInt8], exponent: Int, literal: String?) {
            let isZero = digits.isEmpty
            self.negative = isZero ? false : negative
            self.digits = digits
            self.exponent = isZero ? 0 : exponent
            self.literal = literal
            let text = literal ?? Exact.render(negative: negative, digits: digits, exponent: exponent)
            let parsed = Double(text) ?? (negative ? -.infinity : .infinity)
            self.double = isZero ? 0 : parsed
            let magnitude = digits.count + exponent
            self.orderedByDouble = isZero || (digits.count <= 15 && magnitude > -300 && magnitude < 300)
        }

        /// Canonical text: plain digits when short, otherwise scientific notation.
        static func render(negative: Bool, digits: [UInt8], exponent: Int) -> String {
            if digits.isEmpty { return "0" }
            var out = negative ? "-" : ""
            let magnitude = digits.count + exponent
            if exponent >= 0 && magnitude <= 21 {
                for d in digits { out.unicodeScalars.append(Unicode.Scalar(d + 48)) }
                out += String(repeating: "0", count: exponent)
            } else if exponent < 0 && magnitude > 0 {
                for (i, d) in digits.enumerated() {
                    if i == magnitude { out += "." }
                    out.unicodeScalars.append(Unicode.Scalar(d + 48))
                }
            } else if exponent < 0 && magnitude > -6 {
                out += "0." + String(repeating: "0", count: -magnitude)
                for d in digits { out.unicodeScalars.append(Unicode.Scalar(d + 48)) }
            } else {
                out.unicodeScalars.append(Unicode.Scalar(digits[0] + 48))
                if digits.count > 1 {
                    out += "."
                    for d in digits.dropFirst() { out.unicodeScalars.append(Unicode.Scalar(d + 48)) }
                }
                out += "e\(magnitude - 1)"
            }
            return out
        }
    }

    let storage: Storage

    init(storage: Storage) { self.storage = storage }

    /// An integer.
    public init(_ value: Int) { storage = .int(Int64(value)) }

    /// An integer.
    public init(_ value: Int64) { storage = .int(value) }

    /// A finite double, rendered in its shortest round-tripping form; nil for NaN or infinity.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 9.0e15 {
            storage = .int(Int64(value))
            return
        }
        guard let parsed = JSONNumber(parsing: value.description) else { return nil }
        self = parsed.canonicalised
    }

    /// Parses a JSON number literal such as `-12.5e3`; nil if it is not valid JSON number syntax
    /// or its exponent does not fit 18 digits.
    public init?(parsing literal: String) {
        var utf8 = Array(literal.utf8)
        guard let number = utf8.withUnsafeMutableBufferPointer({ buffer in
            JSONNumber.parseLiteral(UnsafeBufferPointer(buffer))
        }) else { return nil }
        self = number
    }

    /// The same value without the original spelling.
    var canonicalised: JSONNumber {
        guard case .exact(let e) = storage, e.literal != nil else { return self }
        return JSONNumber(storage: .exact(Exact(negative: e.negative, digits: e.digits, exponent: e.exponent, literal: nil)))
    }

    /// The nearest `Double` (±infinity when out of range).
    public var doubleValue: Double {
        switch storage {
        case .int(let v): return Double(v)
        case .exact(let e): return e.double
        }
    }

    /// The value as `Int64` when it is an integer in range, whatever its spelling (`1.0`, `1e2`).
    public var int64Value: Int64? {
        switch storage {
        case .int(let v): return v
        case .exact(let e):
            guard e.exponent >= 0, e.digits.count + e.exponent <= 19 else { return nil }
            var value: Int64 = 0
            for d in e.digits {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(d))
                if o1 || o2 { return nil }
                value = s
            }
            for _ in 0..<e.exponent {
                let (m, o) = value.multipliedReportingOverflow(by: 10)
                if o { return nil }
                value = m
            }
            return e.negative ? -value : value
        }
    }

    /// True when the value has no fractional part (`1.0` and `1e2` are integers, as JSON Schema says).
    public var isInteger: Bool {
        switch storage {
        case .int: return true
        case .exact(let e): return e.exponent >= 0
        }
    }

    /// True for values below zero.
    public var isNegative: Bool {
        switch storage {
        case .int(let v): return v < 0
        case .exact(let e): return e.negative
        }
    }

    /// True for zero (and minus zero).
    public var isZero: Bool {
        switch storage {
        case .int(let v): return v == 0
        case .exact(let e): return e.digits.isEmpty
        }
    }

    /// The text written when serialising: the original literal if there was one.
    public var literal: String {
        switch storage {
        case .int(let v): return String(v)
        case .exact(let e): return e.literal ?? Exact.render(negative: e.negative, digits: e.digits, exponent: e.exponent)
        }
    }

    /// Sign, digits and exponent, normalised, for the exact slow paths.
    var decomposed: (negative: Bool, digits: [UInt8], exponent: Int) {
        switch storage {
        case .exact(let e): return (e.negative, e.digits, e.exponent)
        case .int(let v):
            if v == 0 { return (false, [], 0) }
            var magnitude = v.magnitude
            var exponent = 0
            while magnitude % 10 == 0 { magnitude /= 10; exponent += 1 }
            var digits: [UInt8] = []
            while magnitude > 0 { digits.append(UInt8(magnitude % 10)); magnitude /= 10 }
            digits.reverse()
            return (v < 0, digits, exponent)
        }
    }
}

extension JSONNumber {
    /// Parses a complete, syntactically valid-or-not literal. The JSON parser validates syntax
    /// itself and calls `make`; this entry point is for `init?(parsing:)`.
    static func parseLiteral(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONNumber? {
        var i = 0
        let n = bytes.count
        var negative = false
        if i < n, bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        let intStart = i
        guard i < n else { return nil }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else if bytes[i] >= UInt8(ascii: "1") && bytes[i] <= UInt8(ascii: "9") {
            while i < n, bytes[i] &- 48 < 10 { i += 1 }
        } else {
            return nil
        }
        let intEnd = i
        var fracStart = i, fracEnd = i
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            fracStart = i
            while i < n, bytes[i] &- 48 < 10 { i += 1 }
            fracEnd = i
            if fracEnd == fracStart { return nil }
        }
        var exponent = 0
        var hasExponent = false
        if i < n, bytes[i] | 0x20 == UInt8(ascii: "e") {
            hasExponent = true
            i += 1
            var expNegative = false
            if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                expNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            let expStart = i
            var significant = 0
            while i < n, bytes[i] &- 48 < 10 {
                if significant > 0 || bytes[i] != UInt8(ascii: "0") { significant += 1 }
                if significant > 18 { return nil }
                exponent = exponent * 10 + Int(bytes[i] &- 48)
                i += 1
            }
            if i == expStart { return nil }
            if expNegative { exponent = -exponent }
        }
        guard i == n else { return nil }
        return make(bytes: bytes, token: 0..<n, negative: negative, intRange: intStart..<intEnd,
                    fracRange: fracStart..<fracEnd, exponent: exponent,
                    plain: fracEnd == fracStart && !hasExponent)
    }

    /// Builds a number from a syntactically valid literal split into its parts.
    static func make(bytes: UnsafeBufferPointer<UInt8>, token: Range<Int>, negative: Bool, intRange: Range<Int>,
                     fracRange: Range<Int>, exponent: Int, plain: Bool) -> JSONNumber {
        if plain && intRange.count <= 18 {
            var value: Int64 = 0
            for i in intRange { value = value &* 10 &+ Int64(bytes[i] &- 48) }
            if !(negative && value == 0) {
                return JSONNumber(storage: .int(negative ? -value : value))
            }
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(intRange.count + fracRange.count)
        for i in intRange { let d = bytes[i] &- 48; if !(digits.isEmpty && d == 0) { digits.append(d) } }
        for i in fracRange { let d = bytes[i] &- 48; if !(digits.isEmpty && d == 0) { digits.append(d) } }
        var exp = exponent - fracRange.count
        while let last = digits.last, last == 0 { digits.removeLast(); exp += 1 }
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[token]), as: UTF8.self)
        let canonical = Exact.render(negative: negative, digits: digits, exponent: exp)
        return JSONNumber(storage: .exact(Exact(negative: negative, digits: digits, exponent: exp,
                                                literal: literal == canonical ? nil : literal)))
    }
}

extension JSONNumber: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    public init(integerLiteral value: Int64) { storage = .int(value) }

    public init(floatLiteral value: Double) {
        self = JSONNumber(value) ?? JSONNumber(0)
    }
}

extension JSONNumber: CustomStringConvertible {
    public var description: String { literal }
}
