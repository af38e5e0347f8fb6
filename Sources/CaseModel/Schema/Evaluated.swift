/// The annotation `unevaluatedProperties`/`unevaluatedItems` need: which members (by position
/// in the object) or items (by index) some keyword already evaluated.
struct Evaluated: Sendable {
    private var low: UInt64 = 0
    private var high: [UInt64] = []
    private(set) var all = false

    @inline(__always)
    mutating func insert(_ index: Int) {
        if all { return }
        if index < 64 {
            low |= 1 << UInt64(index)
        } else {
            let word = index / 64 - 1
            if high.count <= word { high.append(contentsOf: repeatElement(0, count: word - high.count + 1)) }
            high[word] |= 1 << UInt64(index % 64)
        }
    }

    mutating func insert(upTo end: Int) {
        for i in 0..<end { insert(i) }
    }

    mutating func insertAll() {
        all = true
    }

    @inline(__always)
    func contains(_ index: Int) -> Bool {
        if all { return true }
        if index < 64 { return low & (1 << UInt64(index)) != 0 }
        let word = index / 64 - 1
        return word < high.count && high[word] & (1 << UInt64(index % 64)) != 0
    }

    mutating func formUnion(_ other: Evaluated) {
        if all { return }
        if other.all { all = true; return }
        low |= other.low
        if high.count < other.high.count { high.append(contentsOf: repeatElement(0, count: other.high.count - high.count)) }
        for i in other.high.indices { high[i] |= other.high[i] }
    }
}

/// One step of an instance location; indices stay integers until an error needs text.
enum PathComponent: Sendable {
    case key(String)
    case index(Int)

    var token: String {
        switch self {
        case .key(let key): return key
        case .index(let index): return String(index)
        }
    }
}
