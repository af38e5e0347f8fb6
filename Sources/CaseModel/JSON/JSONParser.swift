import Foundation

/// A strict RFC 8259 parser for untrusted input.
///
/// It never recurses (nesting costs heap, not stack, and stops at ``Limits/maxDepth``), rejects
/// duplicate keys, invalid UTF-8, lone surrogates, unescaped control characters, a leading byte
/// order mark and trailing data, and reports each with a ``JSONParseError`` code and position.
public struct JSONParser: Sendable {
    /// Bounds on hostile input; each violation has its own error code.
    public struct Limits: Sendable, Hashable {
        /// Largest accepted document in bytes (default 1 MiB).
        public var maxBytes: Int
        /// Deepest accepted nesting of arrays and objects (default 64).
        public var maxDepth: Int
        /// Longest accepted number literal in characters (default 100).
        public var maxNumberLength: Int
        /// Longest accepted string or key, in encoded bytes between the quotes (default 256 KiB).
        public var maxStringBytes: Int

        public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64, maxNumberLength: Int = 100,
                    maxStringBytes: Int = 256 << 10) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxNumberLength = maxNumberLength
            self.maxStringBytes = maxStringBytes
        }
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Parses one JSON document from UTF-8 bytes.
    public func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var state = State(input: bytes, limits: limits)
        do {
            return try state.parseDocument()
        } catch {
            throw JSONParseError(code: error.code, offset: error.offset, in: bytes)
        }
    }

    /// Parses one JSON document from UTF-8 bytes.
    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in try parse(buffer) }
    }

    /// Parses one JSON document from UTF-8 bytes.
    public func parse(_ data: Data) throws(JSONParseError) -> JSONValue {
        try data.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSONValue in try parse(raw.bindMemory(to: UInt8.self)) }
        }.get()
    }

    /// Parses one JSON document from a string.
    public func parse(_ string: String) throws(JSONParseError) -> JSONValue {
        var copy = string
        return try copy.withUTF8 { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parse(buffer) }
        }.get()
    }
}

extension JSONValue {
    /// Parses `bytes` with the default ``JSONParser/Limits``.
    public init(parsing bytes: [UInt8]) throws(JSONParseError) {
        self = try JSONParser().parse(bytes)
    }

    /// Parses `string` with the default ``JSONParser/Limits``.
    public init(parsing string: String) throws(JSONParseError) {
        self = try JSONParser().parse(string)
    }
}

extension JSONParser {
    /// An error before line and column are known.
    struct Failure: Error {
        let code: JSONParseError.Code
        let offset: Int
    }

    /// An open array or object. Its members live on the shared stacks from these offsets on,
    /// so containers are allocated once, at their final size, when they close.
    struct Frame {
        var isObject: Bool
        var valueStart: Int
        var keyStart: Int
        var index: [JSONObject.HashKey: Int]? = nil
    }

    struct State {
        let input: UnsafeBufferPointer<UInt8>
        let limits: Limits
        var pos = 0
        var frames: [Frame] = []
        var values: [JSONValue] = []
        var keys: [String] = []
        /// Reused for strings with escapes.
        var scratch: [UInt8] = []

        init(input: UnsafeBufferPointer<UInt8>, limits: Limits) {
            self.input = input
            self.limits = limits
        }

        @inline(__always)
        func fail(_ code: JSONParseError.Code, _ offset: Int) -> Failure {
            Failure(code: code, offset: offset)
        }

        @inline(__always)
        mutating func skipWhitespace() {
            while pos < input.count {
                let b = input[pos]
                guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
                pos += 1
            }
        }

        mutating func parseDocument() throws(Failure) -> JSONValue {
            if input.count > limits.maxBytes { throw fail(.tooLarge, limits.maxBytes) }
            if input.count >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF {
                throw fail(.byteOrderMark, 0)
            }
            skipWhitespace()
            if pos == input.count { throw fail(.empty, pos) }
            let value = try parseValues()
            skipWhitespace()
            if pos != input.count { throw fail(.trailingData, pos) }
            return value
        }

        /// The iterative core: parses a value, then attaches finished values to open frames.
        mutating func parseValues() throws(Failure) -> JSONValue {
            var value: JSONValue
            parsing: while true {
                skipWhitespace()
                guard pos < input.count else { throw fail(.unexpectedEnd, pos) }
                switch input[pos] {
                case UInt8(ascii: "{"):
                    if frames.count >= limits.maxDepth { throw fail(.tooDeep, pos) }
                    pos += 1
                    skipWhitespace()
                    if pos < input.count, input[pos] == UInt8(ascii: "}") {
                        pos += 1
                        value = .object(JSONObject())
                    } else {
                        frames.append(Frame(isObject: true, valueStart: values.count, keyStart: keys.count))
                        try parseKey()
                        continue parsing
                    }
                case UInt8(ascii: "["):
                    if frames.count >= limits.maxDepth { throw fail(.tooDeep, pos) }
                    pos += 1
                    skipWhitespace()
                    if pos < input.count, input[pos] == UInt8(ascii: "]") {
                        pos += 1
                        value = .array([])
                    } else {
                        frames.append(Frame(isObject: false, valueStart: values.count, keyStart: keys.count))
                        continue parsing
                    }
                case UInt8(ascii: "\""):
                    value = .string(try parseString())
                case UInt8(ascii: "t"):
                    try expectWord("true")
                    value = .bool(true)
                case UInt8(ascii: "f"):
                    try expectWord("false")
                    value = .bool(false)
                case UInt8(ascii: "n"):
                    try expectWord("null")
                    value = .null
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    value = .number(try parseNumber())
                default:
                    throw unexpected(at: pos)
                }

                // Attach the finished value; close frames while their closing bracket follows.
                while true {
                    guard let frame = frames.last else { return value }
                    skipWhitespace()
                    guard pos < input.count else { throw fail(.unexpectedEnd, pos) }
                    let byte = input[pos]
                    values.append(value)
                    if frame.isObject {
                        if byte == UInt8(ascii: ",") {
                            pos += 1
                            skipWhitespace()
                            try parseKey()
                            continue parsing
                        } else if byte == UInt8(ascii: "}") {
                            pos += 1
                            frames.removeLast()
                            value = .object(JSONObject(uniqueMembers: popMembers(frame), index: frame.index))
                        } else {
                            throw unexpected(at: pos)
                        }
                    } else {
                        if byte == UInt8(ascii: ",") {
                            pos += 1
                            continue parsing
                        } else if byte == UInt8(ascii: "]") {
                            pos += 1
                            frames.removeLast()
                            value = .array(Self.pop(&values, from: frame.valueStart))
                        } else {
                            throw unexpected(at: pos)
                        }
                    }
                }
            }
        }

        /// Moves the top of a shared stack into a new array of exactly that size. (Converting a
        /// slice that spans the whole stack would share its buffer and force a copy on the next push.)
        @inline(__always)
        static func pop<T>(_ stack: inout [T], from start: Int) -> [T] {
            var result: [T] = []
            result.reserveCapacity(stack.count - start)
            result.append(contentsOf: stack[start...])
            stack.removeSubrange(start...)
            return result
        }

        /// Zips the open object's keys and values into one exactly sized member array.
        mutating func popMembers(_ frame: Frame) -> [JSONObject.Member] {
            let count = keys.count - frame.keyStart
            var members: [JSONObject.Member] = []
            members.reserveCapacity(count)
            for i in 0..<count {
                members.append(JSONObject.Member(key: keys[frame.keyStart + i], value: values[frame.valueStart + i]))
            }
            keys.removeSubrange(frame.keyStart...)
            values.removeSubrange(frame.valueStart...)
            return members
        }

        /// Parses `"key" :` onto the key stack, rejecting duplicates within the open object.
        mutating func parseKey() throws(Failure) {
            guard pos < input.count else { throw fail(.unexpectedEnd, pos) }
            guard input[pos] == UInt8(ascii: "\"") else { throw unexpected(at: pos) }
            let keyOffset = pos
            let key = try parseString()
            let top = frames.count - 1
            let start = frames[top].keyStart
            if frames[top].index != nil {
                if frames[top].index!.updateValue(keys.count - start, forKey: JSONObject.HashKey(key)) != nil {
                    throw fail(.duplicateKey, keyOffset)
                }
            } else {
                let length = key.utf8.count
                var i = start
                while i < keys.count {
                    // Swift's `==` (word compares for short ASCII keys) filters; bytes decide.
                    if keys[i].utf8.count == length && keys[i] == key && keys[i].utf8Equals(key) {
                        throw fail(.duplicateKey, keyOffset)
                    }
                    i += 1
                }
                if keys.count - start == JSONObject.indexThreshold {
                    var index: [JSONObject.HashKey: Int] = [:]
                    for i in start..<keys.count { index[JSONObject.HashKey(keys[i])] = i - start }
                    index[JSONObject.HashKey(key)] = keys.count - start
                    frames[top].index = index
                }
            }
            keys.append(key)
            skipWhitespace()
            guard pos < input.count else { throw fail(.unexpectedEnd, pos) }
            guard input[pos] == UInt8(ascii: ":") else { throw unexpected(at: pos) }
            pos += 1
        }

        mutating func expectWord(_ word: StaticString) throws(Failure) {
            let bytes = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            for b in bytes {
                guard pos < input.count else { throw fail(.unexpectedEnd, pos) }
                guard input[pos] == b else { throw unexpected(at: pos) }
                pos += 1
            }
        }

        /// `unexpectedCharacter`, or `invalidUTF8` when the byte does not start valid UTF-8.
        func unexpected(at offset: Int) -> Failure {
            if input[offset] >= 0x80 && utf8SequenceLength(at: offset) == nil {
                return fail(.invalidUTF8, offset)
            }
            return fail(.unexpectedCharacter, offset)
        }

        /// Length of the valid UTF-8 sequence starting at `offset`, or nil (overlong forms,
        /// encoded surrogates and values above U+10FFFF are invalid).
        @inline(__always)
        func utf8SequenceLength(at offset: Int) -> Int? {
            let b0 = input[offset]
            let remaining = input.count - offset
            @inline(__always) func continuation(_ i: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
                i < remaining && input[offset + i] >= low && input[offset + i] <= high
            }
            switch b0 {
            case 0xC2...0xDF:
                return continuation(1) ? 2 : nil
            case 0xE0:
                return continuation(1, 0xA0) && continuation(2) ? 3 : nil
            case 0xE1...0xEC, 0xEE...0xEF:
                return continuation(1) && continuation(2) ? 3 : nil
            case 0xED:
                return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : nil
            case 0xF0:
                return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : nil
            case 0xF1...0xF3:
                return continuation(1) && continuation(2) && continuation(3) ? 4 : nil
            case 0xF4:
                return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : nil
            default:
                return nil
            }
        }

        /// Parses a string starting at the opening quote.
        mutating func parseString() throws(Failure) -> String {
            let quote = pos
            let start = pos + 1
            let limit = Swift.min(input.count, start + limits.maxStringBytes + 1)
            var i = start
            // Fast path: printable ASCII and valid multi-byte UTF-8 without escapes.
            while i < limit {
                // Skip eight ordinary ASCII bytes at a time (no quote, backslash, control or
                // non-ASCII byte), the bulk of every document.
                while i &+ 8 <= limit {
                    let word = UnsafeRawPointer(input.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    if Self.isSpecial(word) { break }
                    i &+= 8
                }
                guard i < limit else { break }
                let b = input[i]
                if b == UInt8(ascii: "\"") {
                    pos = i + 1
                    return String(decoding: UnsafeBufferPointer(rebasing: input[start..<i]), as: UTF8.self)
                }
                if b == UInt8(ascii: "\\") { break }
                if b < 0x20 { throw fail(.controlCharacter, i) }
                if b < 0x80 {
                    i += 1
                } else {
                    guard let length = utf8SequenceLength(at: i) else { throw fail(.invalidUTF8, i) }
                    i += length
                }
            }
            if i >= limit { throw endOfString(quote: quote, start: start, at: i) }
            return try parseEscapedString(quote: quote, start: start, escape: i, limit: limit)
        }

        /// Whether any of eight bytes is a quote, a backslash, a control character or non-ASCII
        /// (SWAR: a byte is zero in `x` when the high bit survives `(x - 1) & ~x`).
        @inline(__always)
        static func isSpecial(_ word: UInt64) -> Bool {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            @inline(__always) func hasZeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
            if word & highs != 0 { return true }
            if (word &- ones &* 0x20) & ~word & highs != 0 { return true }  // a byte below 0x20
            return hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5C))
        }

        /// The slow path from the first backslash on, decoding into `scratch`.
        mutating func parseEscapedString(quote: Int, start: Int, escape: Int, limit: Int) throws(Failure) -> String {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[start..<escape]))
            var i = escape
            while i < limit {
                let b = input[i]
                if b == UInt8(ascii: "\"") {
                    pos = i + 1
                    return String(decoding: scratch, as: UTF8.self)
                }
                if b == UInt8(ascii: "\\") {
                    guard i + 1 < input.count else { throw fail(.unexpectedEnd, input.count) }
                    let e = input[i + 1]
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(e)
                    case UInt8(ascii: "b"): scratch.append(0x08)
                    case UInt8(ascii: "f"): scratch.append(0x0C)
                    case UInt8(ascii: "n"): scratch.append(0x0A)
                    case UInt8(ascii: "r"): scratch.append(0x0D)
                    case UInt8(ascii: "t"): scratch.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4(at: i + 2)
                        var consumed = 6
                        if scalar >= 0xD800 && scalar <= 0xDBFF {
                            guard i + 7 < input.count, input[i + 6] == UInt8(ascii: "\\"), input[i + 7] == UInt8(ascii: "u") else {
                                throw fail(.loneSurrogate, i)
                            }
                            let low = try hex4(at: i + 8)
                            guard low >= 0xDC00 && low <= 0xDFFF else { throw fail(.loneSurrogate, i) }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            consumed = 12
                        } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                            throw fail(.loneSurrogate, i)
                        }
                        appendUTF8(scalar)
                        i += consumed
                        continue
                    default:
                        throw fail(.invalidEscape, i)
                    }
                    i += 2
                } else if b < 0x20 {
                    throw fail(.controlCharacter, i)
                } else if b < 0x80 {
                    scratch.append(b)
                    i += 1
                } else {
                    guard let length = utf8SequenceLength(at: i) else { throw fail(.invalidUTF8, i) }
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[i..<(i + length)]))
                    i += length
                }
            }
            throw endOfString(quote: quote, start: start, at: i)
        }

        /// A string scan stopped at `i` without its closing quote: the input ended or the limit hit.
        func endOfString(quote: Int, start: Int, at i: Int) -> Failure {
            if i - start > limits.maxStringBytes { return fail(.stringTooLong, quote) }
            return fail(.unexpectedEnd, input.count)
        }

        func hex4(at offset: Int) throws(Failure) -> UInt32 {
            guard offset + 4 <= input.count else { throw fail(.unexpectedEnd, input.count) }
            var value: UInt32 = 0
            for i in offset..<(offset + 4) {
                let b = input[i]
                let digit: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
                default: throw fail(.invalidEscape, offset - 2)
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        mutating func appendUTF8(_ scalar: UInt32) {
            switch scalar {
            case 0..<0x80:
                scratch.append(UInt8(scalar))
            case 0x80..<0x800:
                scratch.append(UInt8(0xC0 | (scalar >> 6)))
                scratch.append(UInt8(0x80 | (scalar & 0x3F)))
            case 0x800..<0x10000:
                scratch.append(UInt8(0xE0 | (scalar >> 12)))
                scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                scratch.append(UInt8(0x80 | (scalar & 0x3F)))
            default:
                scratch.append(UInt8(0xF0 | (scalar >> 18)))
                scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
                scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                scratch.append(UInt8(0x80 | (scalar & 0x3F)))
            }
        }

        /// Parses a number literal per RFC 8259's grammar.
        mutating func parseNumber() throws(Failure) -> JSONNumber {
            let start = pos
            let maxEnd = Swift.min(input.count, start + limits.maxNumberLength)
            var i = start
            @inline(__always) func isDigit(_ i: Int) -> Bool { i < input.count && input[i] &- 48 < 10 }
            var negative = false
            if input[i] == UInt8(ascii: "-") { negative = true; i += 1 }
            let intStart = i
            if !isDigit(i) { throw i < input.count ? fail(.invalidNumber, i) : fail(.unexpectedEnd, i) }
            if input[i] == UInt8(ascii: "0") {
                i += 1
                if isDigit(i) { throw fail(.invalidNumber, i) }
            } else {
                while isDigit(i) && i <= maxEnd { i += 1 }
            }
            let intEnd = i
            var fracStart = i, fracEnd = i
            if i < input.count, input[i] == UInt8(ascii: ".") {
                i += 1
                fracStart = i
                if !isDigit(i) { throw i < input.count ? fail(.invalidNumber, i) : fail(.unexpectedEnd, i) }
                while isDigit(i) && i <= maxEnd { i += 1 }
                fracEnd = i
            }
            var exponent = 0
            var hasExponent = false
            if i < input.count, input[i] | 0x20 == UInt8(ascii: "e") {
                hasExponent = true
                i += 1
                var expNegative = false
                if i < input.count, input[i] == UInt8(ascii: "+") || input[i] == UInt8(ascii: "-") {
                    expNegative = input[i] == UInt8(ascii: "-")
                    i += 1
                }
                if !isDigit(i) { throw i < input.count ? fail(.invalidNumber, i) : fail(.unexpectedEnd, i) }
                var significant = 0
                while isDigit(i) && i <= maxEnd {
                    if significant > 0 || input[i] != UInt8(ascii: "0") { significant += 1 }
                    if significant <= 18 { exponent = exponent * 10 + Int(input[i] &- 48) }
                    i += 1
                }
                if i - start <= limits.maxNumberLength && significant > 18 { throw fail(.numberOutOfRange, start) }
                if expNegative { exponent = -exponent }
            }
            if i - start > limits.maxNumberLength { throw fail(.numberTooLong, start) }
            pos = i
            return JSONNumber.make(bytes: input, token: start..<i, negative: negative, intRange: intStart..<intEnd,
                                   fracRange: fracStart..<fracEnd, exponent: exponent,
                                   plain: fracEnd == fracStart && !hasExponent)
        }
    }
}
