/// An ECMA-262 regular expression compiled to an NFA program and run as a Pike VM: every
/// input scalar is looked at once per live state, so matching is O(input × pattern) whatever
/// the pattern, which keeps hostile strings from stalling the router.
///
/// Supported: literals and escapes, `.`, classes with ranges, `\d \w \s` and negations,
/// `\p{…}` general categories, groups (capturing, non-capturing, named), alternation, greedy
/// and lazy quantifiers, `^ $ \b \B`. Lookaround and backreferences throw `.unsupported`.
final class RegexProgram: Sendable {
    enum CompileError: Error {
        case syntax
        case unsupported
    }

    enum Op: UInt8, Sendable {
        case scalar, set, any, split, jump, match, start, end, wordBoundary, notWordBoundary
    }

    struct Instruction: Sendable {
        var op: Op
        var a: Int32 = 0
        var b: Int32 = 0
    }

    let instructions: [Instruction]
    let sets: [CharacterSet]
    /// True when every match must start at offset 0 (the pattern begins with `^`).
    let anchored: Bool
    /// The ASCII fast path, when the pattern allows one.
    let dfa: DFA?

    init(pattern: String) throws(CompileError) {
        var parser = Parser(scalars: Array(pattern.unicodeScalars))
        let tree = try parser.parseDisjunction()
        guard parser.position == parser.scalars.count else { throw .syntax }
        var compiler = Compiler()
        try compiler.emit(tree)
        compiler.instructions.append(Instruction(op: .match))
        instructions = compiler.instructions
        sets = compiler.sets
        anchored = tree.isAnchoredAtStart
        dfa = DFA(instructions: instructions, sets: sets, anchored: anchored)
    }

    // MARK: Matching

    func matches(_ string: String) -> Bool {
        if let result = string.utf8.withContiguousStorageIfAvailable({ search($0) }) { return result }
        return Array(string.utf8).withUnsafeBufferPointer { search($0) }
    }

    private func search(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if let dfa, let result = dfa.matches(bytes) { return result }
        return run(bytes)
    }

    /// Decodes the scalar at `i` of valid UTF-8; returns it and its length.
    @inline(__always)
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
        let b0 = UInt32(bytes[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 {
            return ((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3)
        }
        return ((b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                | UInt32(bytes[i + 3] & 0x3F), 4)
    }

    private static let none: UInt32 = .max

    @inline(__always)
    private static func isWord(_ c: UInt32) -> Bool {
        c < 128 && (c &- 48 < 10 || (c | 0x20) &- 97 < 26 || c == 95)
    }

    private func run(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = instructions.count
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: count * 6 + 2) { memory in
            // Two sparse sets (dense list + index per instruction) and a work stack.
            let currentDense = UnsafeMutablePointer<Int32>(memory.baseAddress!)
            let currentSparse = currentDense + count
            let nextDense = currentSparse + count
            let nextSparse = nextDense + count
            let stack = nextSparse + count
            var current = SparseSet(dense: currentDense, sparse: currentSparse)
            var next = SparseSet(dense: nextDense, sparse: nextSparse)
            return instructions.withUnsafeBufferPointer { program in
                var position = 0
                var previous = Self.none
                var (scalar, length) = bytes.isEmpty ? (Self.none, 0) : Self.decode(bytes, 0)
                while true {
                    if !anchored || position == 0 {
                        if addThread(&current, 0, previous, scalar, program, stack) { return true }
                    }
                    if current.count == 0 && (anchored || scalar == Self.none) { return false }
                    if scalar == Self.none { return false }
                    let nextPosition = position + length
                    let (following, followingLength) = nextPosition < bytes.count ? Self.decode(bytes, nextPosition) : (Self.none, 0)
                    next.count = 0
                    for k in 0..<current.count {
                        let pc = Int(current.dense[k])
                        let instruction = program[pc]
                        let consumed: Bool
                        switch instruction.op {
                        case .scalar: consumed = scalar == UInt32(bitPattern: instruction.a)
                        case .set: consumed = sets.withUnsafeBufferPointer { $0[Int(instruction.a)].contains(scalar) }
                        case .any: consumed = scalar != 0x0A && scalar != 0x0D && scalar != 0x2028 && scalar != 0x2029
                        default: consumed = false
                        }
                        if consumed, addThread(&next, pc + 1, scalar, following, program, stack) { return true }
                    }
                    swap(&current, &next)
                    previous = scalar
                    scalar = following
                    length = followingLength
                    position = nextPosition
                }
            }
        }
    }

    private struct SparseSet {
        let dense: UnsafeMutablePointer<Int32>
        let sparse: UnsafeMutablePointer<Int32>
        var count = 0

        init(dense: UnsafeMutablePointer<Int32>, sparse: UnsafeMutablePointer<Int32>) {
            self.dense = dense
            self.sparse = sparse
        }

        /// Inserts `pc`; false if it was there. Reads of uninitialised `sparse` slots are
        /// harmless: membership is confirmed through `dense`.
        @inline(__always)
        mutating func insert(_ pc: Int) -> Bool {
            let slot = Int(sparse[pc])
            if slot >= 0 && slot < count && Int(dense[slot]) == pc { return false }
            sparse[pc] = Int32(count)
            dense[count] = Int32(pc)
            count += 1
            return true
        }
    }

    /// Follows jumps, splits and assertions from `pc`; true when `match` is reachable.
    @inline(__always)
    private func addThread(_ set: inout SparseSet, _ pc: Int, _ previous: UInt32, _ scalar: UInt32,
                           _ program: UnsafeBufferPointer<Instruction>, _ stack: UnsafeMutablePointer<Int32>) -> Bool {
        var top = 0
        stack[0] = Int32(pc)
        top = 1
        while top > 0 {
            top -= 1
            let pc = Int(stack[top])
            guard set.insert(pc) else { continue }
            let instruction = program[pc]
            switch instruction.op {
            case .match:
                return true
            case .jump:
                stack[top] = instruction.a
                top += 1
            case .split:
                stack[top] = instruction.b
                stack[top + 1] = instruction.a
                top += 2
            case .start:
                if previous == Self.none { stack[top] = Int32(pc + 1); top += 1 }
            case .end:
                if scalar == Self.none { stack[top] = Int32(pc + 1); top += 1 }
            case .wordBoundary, .notWordBoundary:
                let boundary = (previous != Self.none && Self.isWord(previous)) != (scalar != Self.none && Self.isWord(scalar))
                if boundary == (instruction.op == .wordBoundary) { stack[top] = Int32(pc + 1); top += 1 }
            case .scalar, .set, .any:
                break
            }
        }
        return false
    }
}

extension RegexProgram {
    /// A set of scalars: an ASCII bitmap plus ranges and general categories beyond ASCII.
    struct CharacterSet: Sendable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var ranges: [ClosedRange<UInt32>] = []
        var categories: [Unicode.GeneralCategory] = []
        var negated = false

        @inline(__always)
        func contains(_ c: UInt32) -> Bool {
            if c < 64 { return (low >> UInt64(c)) & 1 == 1 }
            if c < 128 { return (high >> UInt64(c - 64)) & 1 == 1 }
            var found = false
            for range in ranges where range.contains(c) {
                found = true
                break
            }
            if !found, !categories.isEmpty, let scalar = Unicode.Scalar(c) {
                found = categories.contains(scalar.properties.generalCategory)
            }
            return found != negated
        }

        mutating func insert(_ range: ClosedRange<UInt32>) {
            var lower = range.lowerBound
            while lower <= range.upperBound && lower < 128 {
                if lower < 64 { low |= 1 << UInt64(lower) } else { high |= 1 << UInt64(lower - 64) }
                lower += 1
            }
            if lower <= range.upperBound { ranges.append(lower...range.upperBound) }
        }

        mutating func insert(_ other: CharacterSet) {
            if other.negated {
                // Only built-in negated classes (\D, \W, \S, \P) get here. Their ASCII bitmap is
                // final already; beyond ASCII, add the complement of their ranges or categories.
                low |= other.low
                high |= other.high
                var start: UInt32 = 128
                for range in other.ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                    if range.lowerBound > start { ranges.append(start...(range.lowerBound - 1)) }
                    start = Swift.max(start, range.upperBound + 1)
                }
                if other.categories.isEmpty {
                    ranges.append(start...0x10FFFF)
                } else {
                    let all = Set(Self.allCategories)
                    categories.append(contentsOf: all.subtracting(other.categories))
                }
            } else {
                low |= other.low
                high |= other.high
                ranges.append(contentsOf: other.ranges)
                categories.append(contentsOf: other.categories)
            }
        }

        /// Fixes the ASCII bitmap for categories and negation after construction.
        mutating func finish() {
            for c in UInt32(0)..<128 where !categories.isEmpty {
                if let scalar = Unicode.Scalar(c), categories.contains(scalar.properties.generalCategory) {
                    if c < 64 { low |= 1 << UInt64(c) } else { high |= 1 << UInt64(c - 64) }
                }
            }
            if negated {
                low = ~low
                high = ~high
            }
        }

        static func ranges(_ ranges: [ClosedRange<UInt32>]) -> CharacterSet {
            var set = CharacterSet()
            for range in ranges { set.insert(range) }
            return set
        }

        static let allCategories: [Unicode.GeneralCategory] = [
            .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol,
            .modifierSymbol, .otherSymbol, .spaceSeparator, .lineSeparator, .paragraphSeparator,
            .control, .format, .surrogate, .privateUse, .unassigned,
        ]

        static let digit = ranges([48...57])
        static let word = ranges([48...57, 65...90, 95...95, 97...122])
        static let space = ranges([9...13, 32...32, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A,
                                   0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF])
    }
}
