extension RegexProgram {
    /// The parsed expression.
    indirect enum Node {
        case empty
        case scalar(UInt32)
        case set(CharacterSet)
        case any
        case start
        case end
        case wordBoundary(Bool)
        case concatenation([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int?)

        var isAnchoredAtStart: Bool {
            switch self {
            case .start: return true
            case .concatenation(let nodes): return nodes.first?.isAnchoredAtStart ?? false
            case .alternation(let nodes): return !nodes.isEmpty && nodes.allSatisfy(\.isAnchoredAtStart)
            default: return false
            }
        }
    }

    /// Recursive descent over ECMA-262 pattern syntax. Nesting is bounded so a schema cannot
    /// exhaust the stack.
    struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0
        var depth = 0

        init(scalars: [Unicode.Scalar]) {
            self.scalars = scalars
        }

        var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        mutating func next() throws(CompileError) -> Unicode.Scalar {
            guard position < scalars.count else { throw .syntax }
            defer { position += 1 }
            return scalars[position]
        }

        mutating func parseDisjunction() throws(CompileError) -> Node {
            depth += 1
            defer { depth -= 1 }
            if depth > 100 { throw .unsupported }
            var alternatives = [try parseAlternative()]
            while peek == "|" {
                position += 1
                alternatives.append(try parseAlternative())
            }
            return alternatives.count == 1 ? alternatives[0] : .alternation(alternatives)
        }

        mutating func parseAlternative() throws(CompileError) -> Node {
            var terms: [Node] = []
            while let c = peek, c != "|", c != ")" {
                var atom: Node
                var quantifiable = true
                switch c {
                case "^":
                    position += 1
                    atom = .start
                    quantifiable = false
                case "$":
                    position += 1
                    atom = .end
                    quantifiable = false
                case ".":
                    position += 1
                    atom = .any
                case "(":
                    position += 1
                    if peek == "?" {
                        position += 1
                        let kind = try next()
                        if kind == ":" {
                            // non-capturing group
                        } else if kind == "<", let following = peek, following != "=", following != "!" {
                            while let n = peek, n != ">" { position += 1 }
                            guard peek == ">" else { throw .syntax }
                            position += 1
                        } else {
                            throw .unsupported  // lookahead / lookbehind
                        }
                    }
                    atom = try parseDisjunction()
                    guard peek == ")" else { throw .syntax }
                    position += 1
                case "[":
                    position += 1
                    atom = .set(try parseClass())
                case "\\":
                    position += 1
                    let escaped = try next()
                    if escaped == "b" || escaped == "B" {
                        atom = .wordBoundary(escaped == "b")
                        quantifiable = false
                    } else {
                        atom = try parseEscape(escaped, inClass: false)
                    }
                case "*", "+", "?":
                    throw .syntax
                case "{":
                    if isQuantifierBrace() { throw .syntax }
                    position += 1
                    atom = .scalar(c.value)
                default:
                    position += 1
                    atom = .scalar(c.value)
                }
                if let quantified = try parseQuantifier(atom) {
                    guard quantifiable else { throw .syntax }
                    atom = quantified
                }
                terms.append(atom)
            }
            if terms.isEmpty { return .empty }
            return terms.count == 1 ? terms[0] : .concatenation(terms)
        }

        /// Whether `{` at the current position starts `{n}`, `{n,}` or `{n,m}`.
        func isQuantifierBrace() -> Bool {
            var i = position + 1
            var digits = 0
            while i < scalars.count, scalars[i].properties.numericType != nil, scalars[i].isASCII { i += 1; digits += 1 }
            guard digits > 0, i < scalars.count else { return false }
            if scalars[i] == "}" { return true }
            guard scalars[i] == "," else { return false }
            i += 1
            while i < scalars.count, scalars[i].isASCII, scalars[i].properties.numericType != nil { i += 1 }
            return i < scalars.count && scalars[i] == "}"
        }

        mutating func number() -> Int? {
            var value = 0
            var digits = 0
            while let c = peek, c.isASCII, let d = Int(String(c)) {
                value = Swift.min(value * 10 + d, 100_000)
                digits += 1
                position += 1
            }
            return digits > 0 ? value : nil
        }

        mutating func parseQuantifier(_ atom: Node) throws(CompileError) -> Node? {
            guard let c = peek else { return nil }
            var result: Node
            switch c {
            case "*": position += 1; result = .repetition(atom, min: 0, max: nil)
            case "+": position += 1; result = .repetition(atom, min: 1, max: nil)
            case "?": position += 1; result = .repetition(atom, min: 0, max: 1)
            case "{" where isQuantifierBrace():
                position += 1
                guard let minimum = number() else { throw .syntax }
                var maximum: Int? = minimum
                if peek == "," {
                    position += 1
                    maximum = number()
                }
                guard peek == "}" else { throw .syntax }
                position += 1
                if let maximum, maximum < minimum { throw .syntax }
                result = .repetition(atom, min: minimum, max: maximum)
            default:
                return nil
            }
            if peek == "?" { position += 1 }  // lazy: irrelevant for a yes/no match
            if let following = peek, following == "*" || following == "+" || following == "?" { throw .syntax }
            if peek == "{" && isQuantifierBrace() { throw .syntax }
            return result
        }

        /// An escape after `\` (already consumed).
        mutating func parseEscape(_ c: Unicode.Scalar, inClass: Bool) throws(CompileError) -> Node {
            switch c {
            case "d": return .set(.digit)
            case "D": return .set(Self.negate(.digit))
            case "w": return .set(.word)
            case "W": return .set(Self.negate(.word))
            case "s": return .set(.space)
            case "S": return .set(Self.negate(.space))
            case "t": return .scalar(9)
            case "n": return .scalar(10)
            case "v": return .scalar(11)
            case "f": return .scalar(12)
            case "r": return .scalar(13)
            case "b" where inClass: return .scalar(8)
            case "-" where inClass: return .scalar(c.value)
            case "0":
                if let n = peek, n.isASCII, n.properties.numericType != nil { throw .unsupported }
                return .scalar(0)
            case "1"..."9", "k":
                throw .unsupported  // backreferences
            case "c":
                let letter = try next()
                guard letter.isASCII, letter.properties.isAlphabetic else { throw .syntax }
                return .scalar(letter.value % 32)
            case "x":
                return .scalar(try hex(count: 2))
            case "u":
                if peek == "{" {
                    position += 1
                    var value: UInt32 = 0
                    var digits = 0
                    while let h = peek, h != "}" {
                        guard let d = Self.hexValue(h) else { throw .syntax }
                        value = value * 16 + d
                        digits += 1
                        position += 1
                        if value > 0x10FFFF { throw .syntax }
                    }
                    guard digits > 0, peek == "}" else { throw .syntax }
                    position += 1
                    return .scalar(value)
                }
                let value = try hex(count: 4)
                if (0xD800...0xDBFF).contains(value), position + 5 < scalars.count, scalars[position] == "\\", scalars[position + 1] == "u" {
                    let saved = position
                    position += 2
                    if let low = try? hex(count: 4), (0xDC00...0xDFFF).contains(low) {
                        return .scalar(0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00))
                    }
                    position = saved
                }
                return .scalar(value)
            case "p", "P":
                guard peek == "{" else { throw .syntax }
                position += 1
                var name = ""
                while let n = peek, n != "}" { name.unicodeScalars.append(n); position += 1 }
                guard peek == "}" else { throw .syntax }
                position += 1
                guard let categories = Self.categories(name) else { throw .unsupported }
                var set = CharacterSet()
                set.categories = categories
                set.finish()
                return .set(c == "P" ? Self.negate(set) : set)
            default:
                // Identity escapes: only syntax characters and `/`, as in Unicode mode.
                if "^$\\.*+?()[]{}|/".unicodeScalars.contains(c) { return .scalar(c.value) }
                throw .syntax
            }
        }

        static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
            switch c.value {
            case 48...57: return c.value - 48
            case 65...70: return c.value - 55
            case 97...102: return c.value - 87
            default: return nil
            }
        }

        static func negate(_ set: CharacterSet) -> CharacterSet {
            var copy = set
            copy.negated.toggle()
            copy.low = ~copy.low
            copy.high = ~copy.high
            return copy
        }

        mutating func hex(count: Int) throws(CompileError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let d = Self.hexValue(try next()) else { throw .syntax }
                value = value * 16 + d
            }
            return value
        }

        /// A class after `[` (already consumed).
        mutating func parseClass() throws(CompileError) -> CharacterSet {
            var set = CharacterSet()
            if peek == "^" {
                position += 1
                set.negated = true
            }
            while true {
                let c = try next()
                if c == "]" { break }
                let lower = try classAtom(c)
                if peek == "-", position + 1 < scalars.count, scalars[position + 1] != "]" {
                    position += 1
                    let upper = try classAtom(try next())
                    guard case .scalar(let a) = lower, case .scalar(let b) = upper else { throw .syntax }
                    guard a <= b else { throw .syntax }
                    set.insert(a...b)
                } else {
                    switch lower {
                    case .scalar(let a): set.insert(a...a)
                    case .set(let other): set.insert(other)
                    default: throw .syntax
                    }
                }
            }
            set.finish()
            return set
        }

        mutating func classAtom(_ c: Unicode.Scalar) throws(CompileError) -> Node {
            if c == "\\" { return try parseEscape(try next(), inClass: true) }
            return .scalar(c.value)
        }

        static func categories(_ name: String) -> [Unicode.GeneralCategory]? {
            var key = name
            for prefix in ["General_Category=", "gc="] where key.hasPrefix(prefix) { key = String(key.dropFirst(prefix.count)) }
            switch key {
            case "L", "Letter": return [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter]
            case "Lu", "Uppercase_Letter": return [.uppercaseLetter]
            case "Ll", "Lowercase_Letter": return [.lowercaseLetter]
            case "Lt", "Titlecase_Letter": return [.titlecaseLetter]
            case "Lm", "Modifier_Letter": return [.modifierLetter]
            case "Lo", "Other_Letter": return [.otherLetter]
            case "M", "Mark": return [.nonspacingMark, .spacingMark, .enclosingMark]
            case "Mn", "Nonspacing_Mark": return [.nonspacingMark]
            case "Mc", "Spacing_Mark": return [.spacingMark]
            case "N", "Number": return [.decimalNumber, .letterNumber, .otherNumber]
            case "Nd", "Decimal_Number", "digit": return [.decimalNumber]
            case "Nl", "Letter_Number": return [.letterNumber]
            case "No", "Other_Number": return [.otherNumber]
            case "P", "Punctuation", "punct":
                return [.connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                        .initialPunctuation, .finalPunctuation, .otherPunctuation]
            case "S", "Symbol": return [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol]
            case "Z", "Separator": return [.spaceSeparator, .lineSeparator, .paragraphSeparator]
            case "Zs", "Space_Separator": return [.spaceSeparator]
            case "C", "Other": return [.control, .format, .surrogate, .privateUse, .unassigned]
            case "Cc", "Control": return [.control]
            case "Cf", "Format": return [.format]
            default: return nil
            }
        }
    }

    struct Compiler {
        var instructions: [Instruction] = []
        var sets: [CharacterSet] = []

        /// Program size cap: `{1000}` of a large group would otherwise explode.
        static let limit = 20_000

        mutating func append(_ instruction: Instruction) throws(CompileError) {
            guard instructions.count < Self.limit else { throw .unsupported }
            instructions.append(instruction)
        }

        mutating func emit(_ node: Node) throws(CompileError) {
            switch node {
            case .empty:
                break
            case .scalar(let c):
                try append(Instruction(op: .scalar, a: Int32(bitPattern: c)))
            case .set(let set):
                sets.append(set)
                try append(Instruction(op: .set, a: Int32(sets.count - 1)))
            case .any:
                try append(Instruction(op: .any))
            case .start:
                try append(Instruction(op: .start))
            case .end:
                try append(Instruction(op: .end))
            case .wordBoundary(let positive):
                try append(Instruction(op: positive ? .wordBoundary : .notWordBoundary))
            case .concatenation(let nodes):
                for n in nodes { try emit(n) }
            case .alternation(let nodes):
                var jumps: [Int] = []
                for (i, n) in nodes.enumerated() {
                    if i < nodes.count - 1 {
                        let split = instructions.count
                        try append(Instruction(op: .split, a: Int32(split + 1)))
                        try emit(n)
                        jumps.append(instructions.count)
                        try append(Instruction(op: .jump))
                        instructions[split].b = Int32(instructions.count)
                    } else {
                        try emit(n)
                    }
                }
                for j in jumps { instructions[j].a = Int32(instructions.count) }
            case .repetition(let inner, let minimum, let maximum):
                for _ in 0..<minimum { try emit(inner) }
                if let maximum {
                    // Nested optionals: (inner (inner ...)?)?
                    var splits: [Int] = []
                    for _ in minimum..<maximum {
                        splits.append(instructions.count)
                        try append(Instruction(op: .split, a: Int32(instructions.count + 1)))
                        try emit(inner)
                    }
                    for s in splits { instructions[s].b = Int32(instructions.count) }
                } else {
                    let loop = instructions.count
                    try append(Instruction(op: .split, a: Int32(loop + 1)))
                    try emit(inner)
                    try append(Instruction(op: .jump, a: Int32(loop)))
                    instructions[loop].b = Int32(instructions.count)
                }
            }
        }
    }
}
