extension RegexProgram {
    /// A DFA over ASCII built ahead of time from the NFA (subset construction), so the common
    /// case, an ASCII string against a pattern without `\b`, costs one table lookup per byte.
    /// Strings with other scalars run on the NFA.
    ///
    /// Immutable after init; `@unchecked Sendable` because the tables are raw buffers (a Swift
    /// array in a class costs a retain and a bounds check per lookup in the inner loop).
    final class DFA: @unchecked Sendable {
        /// `transitions[state * 128 + byte]`: next state, ``dead`` when no match is possible
        /// any more, ``matched`` when the next state accepts (so the loop needs no second lookup).
        let transitions: UnsafeMutablePointer<Int16>
        /// A match exists if the input ends in this state (`$` satisfied).
        let acceptingAtEnd: UnsafeMutablePointer<Bool>
        let start: Int16
        /// The start state accepts: every string matches.
        let acceptsEmptyPrefix: Bool

        static let dead: Int16 = -1
        static let matched: Int16 = -2

        static let stateLimit = 256

        init?(instructions: [Instruction], sets: [CharacterSet], anchored: Bool) {
            if instructions.contains(where: { $0.op == .wordBoundary || $0.op == .notWordBoundary }) { return nil }

            /// Consuming instructions reachable from `roots`, whether `match` is reachable, and
            /// whether it is reachable when the input ends here.
            func closure(_ roots: [Int], atStart: Bool) -> (consuming: [Int], matched: Bool, matchedAtEnd: Bool) {
                var seen = Set<Int>()
                var consuming: [Int] = []
                var matched = false
                var matchedAtEnd = false
                var stack: [(pc: Int, passedEnd: Bool)] = roots.map { ($0, false) }
                var seenAfterEnd = Set<Int>()
                while let (pc, passedEnd) = stack.popLast() {
                    if passedEnd {
                        guard seenAfterEnd.insert(pc).inserted else { continue }
                    } else {
                        guard seen.insert(pc).inserted else { continue }
                    }
                    let instruction = instructions[pc]
                    switch instruction.op {
                    case .match:
                        if passedEnd { matchedAtEnd = true } else { matched = true }
                    case .jump:
                        stack.append((Int(instruction.a), passedEnd))
                    case .split:
                        stack.append((Int(instruction.a), passedEnd))
                        stack.append((Int(instruction.b), passedEnd))
                    case .start:
                        if atStart { stack.append((pc + 1, passedEnd)) }
                    case .end:
                        stack.append((pc + 1, true))
                    case .scalar, .set, .any:
                        if !passedEnd { consuming.append(pc) }
                    case .wordBoundary, .notWordBoundary:
                        break
                    }
                }
                return (consuming.sorted(), matched, matched || matchedAtEnd)
            }

            let restart = anchored ? nil : closure([0], atStart: false)
            var states: [[Int]] = []
            var index: [[Int]: Int32] = [:]
            var accepting: [Bool] = []
            var acceptingAtEnd: [Bool] = []
            var transitions: [Int32] = []

            func intern(_ c: (consuming: [Int], matched: Bool, matchedAtEnd: Bool)) -> Int32? {
                var consuming = c.consuming
                var matched = c.matched
                var matchedAtEnd = c.matchedAtEnd
                if let restart {
                    consuming = Array(Set(consuming).union(restart.consuming)).sorted()
                    matched = matched || restart.matched
                    matchedAtEnd = matchedAtEnd || restart.matchedAtEnd
                }
                if consuming.isEmpty && !matched && !matchedAtEnd { return -1 }
                // States differ by flags too; fold them into the key.
                let key = consuming + [matched ? -1 : -2, matchedAtEnd ? -3 : -4]
                if let existing = index[key] { return existing }
                guard states.count < DFA.stateLimit else { return nil }
                let id = Int32(states.count)
                index[key] = id
                states.append(consuming)
                accepting.append(matched)
                acceptingAtEnd.append(matchedAtEnd)
                transitions.append(contentsOf: repeatElement(-1, count: 128))
                return id
            }

            guard let start = intern(closure([0], atStart: true)), start >= 0 else { return nil }
            var pending = [start]
            while let state = pending.popLast() {
                let consuming = states[Int(state)]
                for byte in UInt32(0)..<128 {
                    var next: [Int] = []
                    for pc in consuming {
                        let instruction = instructions[pc]
                        let ok: Bool
                        switch instruction.op {
                        case .scalar: ok = UInt32(bitPattern: instruction.a) == byte
                        case .set: ok = sets[Int(instruction.a)].contains(byte)
                        case .any: ok = byte != 0x0A && byte != 0x0D
                        default: ok = false
                        }
                        if ok { next.append(pc + 1) }
                    }
                    let before = states.count
                    guard let target = intern(closure(next, atStart: false)) else { return nil }
                    transitions[Int(state) * 128 + Int(byte)] = target
                    if states.count > before { pending.append(target) }
                }
            }
            self.transitions = .allocate(capacity: transitions.count)
            for (i, target) in transitions.enumerated() {
                self.transitions[i] = target >= 0 && accepting[Int(target)] ? DFA.matched : Int16(target)
            }
            self.acceptingAtEnd = .allocate(capacity: acceptingAtEnd.count)
            self.acceptingAtEnd.initialize(from: acceptingAtEnd, count: acceptingAtEnd.count)
            self.start = Int16(start)
            acceptsEmptyPrefix = accepting[Int(start)]
        }

        deinit {
            transitions.deallocate()
            acceptingAtEnd.deallocate()
        }

        /// nil when the input is not all ASCII (the caller runs the NFA instead).
        @inline(__always)
        func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
            view.matches(bytes)
        }

        /// The tables as plain values, valid while this DFA lives.
        var view: View { View(transitions: transitions, acceptingAtEnd: acceptingAtEnd, start: start, acceptsEmptyPrefix: acceptsEmptyPrefix) }

        /// A DFA's tables without the object: a holder that keeps the DFA alive can match
        /// without retaining anything.
        struct View {
            let transitions: UnsafeMutablePointer<Int16>
            let acceptingAtEnd: UnsafeMutablePointer<Bool>
            let start: Int16
            let acceptsEmptyPrefix: Bool

            /// nil when the input is not all ASCII (the caller runs the NFA instead).
            @inline(__always)
            func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
                if acceptsEmptyPrefix { return true }
                var state = Int(start)
                for byte in bytes {
                    if byte >= 128 { return nil }
                    let next = transitions[state &* 128 &+ Int(byte)]
                    if next < 0 { return next == DFA.matched }
                    state = Int(next)
                }
                return acceptingAtEnd[state]
            }
        }
    }
}
