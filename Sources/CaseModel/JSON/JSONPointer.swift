/// An RFC 6901 JSON Pointer such as `/data/person/birthDate`.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens.
    public private(set) var tokens: [String]

    /// The pointer to the whole document (`""`).
    public static let root = JSONPointer(tokens: [])

    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Parses the string form; nil unless it is empty or starts with `/` and every `~` is
    /// followed by `0` or `1`.
    public init?(_ string: String) {
        if string.isEmpty {
            tokens = []
            return
        }
        guard string.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for part in string.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst() {
            guard let token = Self.unescape(Substring(part)) else { return nil }
            tokens.append(token)
        }
        self.tokens = tokens
    }

    /// Escapes `~` as `~0` and `/` as `~1`.
    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        return token.replacingTildeAndSlash()
    }

    /// Reverses ``escape(_:)``; nil for a `~` not followed by `0` or `1`.
    public static func unescape(_ token: Substring) -> String? {
        guard token.utf8.contains(UInt8(ascii: "~")) else { return String(token) }
        var out: [UInt8] = []
        var iterator = token.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "~") {
                switch iterator.next() {
                case UInt8(ascii: "0"): out.append(UInt8(ascii: "~"))
                case UInt8(ascii: "1"): out.append(UInt8(ascii: "/"))
                default: return nil
                }
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// This pointer extended by one member name.
    public func appending(_ token: String) -> JSONPointer {
        var copy = self
        copy.tokens.append(token)
        return copy
    }

    /// This pointer extended by one array index.
    public func appending(index: Int) -> JSONPointer {
        appending(String(index))
    }

    /// The pointer without its last token (root stays root).
    public var parent: JSONPointer {
        JSONPointer(tokens: Array(tokens.dropLast()))
    }

    public var description: String {
        var out = ""
        for token in tokens {
            out += "/"
            out += Self.escape(token)
        }
        return out
    }
}

extension JSONValue {
    /// The value the pointer refers to, or nil if there is none.
    public subscript(pointer pointer: JSONPointer) -> JSONValue? {
        var current = self
        for token in pointer.tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let index = JSONPointer.arrayIndex(token), index < array.count else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }
}

extension JSONPointer {
    /// RFC 6901 array index: `0` or digits without a leading zero.
    static func arrayIndex(_ token: String) -> Int? {
        let utf8 = token.utf8
        guard let first = utf8.first, first &- 48 < 10, utf8.allSatisfy({ $0 &- 48 < 10 }) else { return nil }
        if first == UInt8(ascii: "0") && utf8.count > 1 { return nil }
        return utf8.count <= 18 ? Int(token) : nil
    }
}

extension String {
    fileprivate func replacingTildeAndSlash() -> String {
        var out = ""
        out.reserveCapacity(utf8.count + 2)
        for scalar in unicodeScalars {
            switch scalar {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
