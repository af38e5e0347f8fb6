extension JSONNumber: Hashable, Comparable {
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        compare(lhs, rhs) == 0
    }

    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        compare(lhs, rhs) < 0
    }

    /// Equal values round to the same `Double`, so hashing it is consistent with exact equality.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(doubleValue)
    }

    /// Exact three-way comparison: -1, 0 or 1.
    static func compare(_ lhs: JSONNumber, _ rhs: JSONNumber) -> Int {
        switch (lhs.storage, rhs.storage) {
        case (.int(let a), .int(let b)):
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.int(let a), .exact(let b)) where b.orderedByDouble && a.magnitude <= 1 << 53:
            return compareDoubles(Double(a), b.double)
        case (.exact(let a), .int(let b)) where a.orderedByDouble && b.magnitude <= 1 << 53:
            return compareDoubles(a.double, Double(b))
        case (.exact(let a), .exact(let b)) where a.orderedByDouble && b.orderedByDouble:
            return compareDoubles(a.double, b.double)
        default:
            return compareExact(lhs.decomposed, rhs.decomposed)
        }
    }

    private static func compareDoubles(_ a: Double, _ b: Double) -> Int {
        a < b ? -1 : (a == b ? 0 : 1)
    }

    private static func compareExact(_ a: (negative: Bool, digits: [UInt8], exponent: Int),
                                      _ b: (negative: Bool, digits: [UInt8], exponent: Int)) -> Int {
        let signA = a.digits.isEmpty ? 0 : (a.negative ? -1 : 1)
        let signB = b.digits.isEmpty ? 0 : (b.negative ? -1 : 1)
        if signA != signB { return signA < signB ? -1 : 1 }
        if signA == 0 { return 0 }
        let magnitude = compareMagnitude(a.digits, a.exponent, b.digits, b.exponent)
        return signA > 0 ? magnitude : -magnitude
    }

    private static func compareMagnitude(_ da: [UInt8], _ ea: Int, _ db: [UInt8], _ eb: Int) -> Int {
        // Position of the most significant digit decides first; both are normalised.
        let pa = da.count + ea, pb = db.count + eb
        if pa != pb { return pa < pb ? -1 : 1 }
        for i in 0..<Swift.max(da.count, db.count) {
            let x = i < da.count ? da[i] : 0
            let y = i < db.count ? db[i] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }

    /// Whether `self / divisor` is an integer, computed exactly for decimal operands
    /// (`0.3` is a multiple of `0.1`). `divisor` must be positive. Falls back to `Double` only
    /// when the divisor has more than 19 significant digits.
    public func isMultiple(of divisor: JSONNumber) -> Bool {
        if case .int(let a) = storage, case .int(let b) = divisor.storage, b > 0 {
            return a % b == 0
        }
        let a = decomposed, b = divisor.decomposed
        if a.digits.isEmpty { return true }
        if b.digits.isEmpty { return false }
        // a / b = (da / db) × 10^(ea - eb); da has no trailing zeros, so a negative power of ten
        // can never be cancelled and the quotient is fractional.
        let (e, overflow) = a.exponent.subtractingReportingOverflow(b.exponent)
        if overflow || e < 0 { return false }
        guard b.digits.count <= 19 else {
            let q = doubleValue / divisor.doubleValue
            return q.isFinite && q == q.rounded()
        }
        var m: UInt64 = 0
        for d in b.digits { m = m * 10 + UInt64(d) }
        if m == 1 { return true }
        var remainder: UInt64 = 0
        for d in a.digits { remainder = Self.mulMod(remainder, 10, m) &+ UInt64(d); remainder %= m }
        return Self.mulMod(remainder, Self.powMod(10, UInt64(e), m), m) == 0
    }

    private static func mulMod(_ a: UInt64, _ b: UInt64, _ m: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return m.dividingFullWidth((product.high % m, product.low)).remainder
    }

    private static func powMod(_ base: UInt64, _ exponent: UInt64, _ m: UInt64) -> UInt64 {
        var result: UInt64 = 1 % m, b = base % m, e = exponent
        while e > 0 {
            if e & 1 == 1 { result = mulMod(result, b, m) }
            b = mulMod(b, b, m)
            e >>= 1
        }
        return result
    }
}
