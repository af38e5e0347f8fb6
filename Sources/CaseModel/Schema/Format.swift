import Foundation

/// The `format` values this validator can assert. Unknown formats are ignored, as the
/// specification requires.
enum Format: String, Sendable, CaseIterable {
    case date
    case dateTime = "date-time"
    case time
    case duration
    case uuid
    case email
    case idnEmail = "idn-email"
    case hostname
    case idnHostname = "idn-hostname"
    case ipv4
    case ipv6
    case uri
    case uriReference = "uri-reference"
    case iri
    case iriReference = "iri-reference"
    case uriTemplate = "uri-template"
    case jsonPointer = "json-pointer"
    case relativeJSONPointer = "relative-json-pointer"
    case regex

    /// What a valid value looks like, for error messages.
    var expectation: String {
        switch self {
        case .date: return "a date like 2024-02-29"
        case .dateTime: return "a date and time with time zone like 2024-02-29T13:45:00Z"
        case .time: return "a time with time zone like 13:45:00Z"
        case .duration: return "a duration like P1Y2M10DT2H30M"
        case .uuid: return "a UUID like 123e4567-e89b-12d3-a456-426614174000"
        case .email, .idnEmail: return "an e-mail address like name@example.org"
        case .hostname, .idnHostname: return "a host name like www.example.org"
        case .ipv4: return "an IPv4 address like 192.0.2.1"
        case .ipv6: return "an IPv6 address like 2001:db8::1"
        case .uri, .iri: return "an absolute URI like https://example.org/path"
        case .uriReference, .iriReference: return "a URI or relative reference like ../path#part"
        case .uriTemplate: return "a URI template like https://example.org/{id}"
        case .jsonPointer: return "a JSON pointer like /data/name"
        case .relativeJSONPointer: return "a relative JSON pointer like 1/name"
        case .regex: return "a valid regular expression"
        }
    }

    func isValid(_ string: String) -> Bool {
        // The formats of case messages check their bytes in place (no copies, no closures per
        // character); they run on every date and id of every message.
        switch self {
        case .date, .dateTime, .uuid, .uri, .email:
            if let valid = string.utf8.withContiguousStorageIfAvailable({ isValid(bytes: $0) }) { return valid }
        default:
            break
        }
        switch self {
        case .date: return CalendarDate(rfc3339: string) != nil
        case .dateTime: return ZonedDateTime(rfc3339: string) != nil
        case .time: return TimeOfDay.parse(string) != nil
        case .duration: return Self.isDuration(string)
        case .uuid: return Self.isUUID(string)
        case .email: return Self.isEmail(string, international: false)
        case .idnEmail: return Self.isEmail(string, international: true)
        case .hostname: return Self.isHostname(string, international: false)
        case .idnHostname: return Self.isHostname(string, international: true)
        case .ipv4: return Self.isIPv4(Substring(string))
        case .ipv6: return Self.isIPv6(Substring(string))
        case .uri: return Self.isURI(string, international: false, allowRelative: false)
        case .uriReference: return Self.isURI(string, international: false, allowRelative: true)
        case .iri: return Self.isURI(string, international: true, allowRelative: false)
        case .iriReference: return Self.isURI(string, international: true, allowRelative: true)
        case .uriTemplate: return Self.isURITemplate(string)
        case .jsonPointer: return JSONPointer(string) != nil
        case .relativeJSONPointer: return Self.isRelativeJSONPointer(string)
        case .regex: return (try? Pattern(string)) != nil
        }
    }
}

extension Format {
    /// The byte-level checks of the common formats; other formats answer through `isValid(_:)`.
    func isValid(bytes b: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .date:
            guard let parsed = CalendarDate.parse(b, from: 0) else { return false }
            return parsed.end == b.count
        case .dateTime:
            return ZonedDateTime.parse(b) != nil
        case .uuid:
            return Self.isUUID(b)
        case .uri:
            return Self.isURI(b, international: false, allowRelative: false)
        case .email:
            return Self.isEmail(b, international: false)
        default:
            return isValid(String(decoding: b, as: UTF8.self))
        }
    }

    private static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }
    private static func isHex(_ b: UInt8) -> Bool { b &- 48 < 10 || (b | 0x20) &- 97 < 6 }
    private static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) &- 97 < 26 }

    /// RFC 3339 appendix A: `P` then Y/M/D in order with an optional `T` part, or weeks alone.
    static func isDuration(_ string: String) -> Bool {
        let b = Array(string.utf8)
        guard b.count >= 3, b[0] == UInt8(ascii: "P") else { return false }
        var i = 1
        func unit() -> UInt8? {
            let start = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            guard i > start, i < b.count else { return nil }
            defer { i += 1 }
            return b[i]
        }
        var dateUnits: [UInt8] = []
        while i < b.count, b[i] != UInt8(ascii: "T") {
            guard let u = unit() else { return false }
            dateUnits.append(u)
        }
        if dateUnits == [UInt8(ascii: "W")] { return i == b.count }
        let order = Array("YMD".utf8)
        var last = -1
        for u in dateUnits {
            guard let position = order.firstIndex(of: u), position > last else { return false }
            last = position
        }
        guard i < b.count else { return !dateUnits.isEmpty }
        i += 1  // T
        let timeOrder = Array("HMS".utf8)
        var timeUnits = 0
        last = -1
        while i < b.count {
            guard let u = unit(), let position = timeOrder.firstIndex(of: u), position > last else { return false }
            last = position
            timeUnits += 1
        }
        return timeUnits > 0
    }

    static func isUUID(_ string: String) -> Bool {
        var copy = string
        return copy.withUTF8 { isUUID($0) }
    }

    /// `8-4-4-4-12` hexadecimal digits.
    static func isUUID(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count == 36, let p = b.baseAddress, p[8] == UInt8(ascii: "-"), p[13] == UInt8(ascii: "-"),
              p[18] == UInt8(ascii: "-"), p[23] == UInt8(ascii: "-") else { return false }
        let dashes: UInt64 = 1 << 8 | 1 << 13 | 1 << 18 | 1 << 23
        var hex = true
        for i in 0..<36 where dashes & (1 << UInt64(i)) == 0 {
            // A byte is hex when it is 0-9, or a-f after folding case.
            let c = p[i]
            hex = hex && ((c &- 48 < 10) || ((c | 0x20) &- 97 < 6))
        }
        return hex
    }

    static func isIPv4(_ s: Substring) -> Bool {
        let parts = s.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return false }
            if part.count > 1 && part.first == UInt8(ascii: "0") { return false }
            var value = 0
            for d in part { value = value * 10 + Int(d - 48) }
            if value > 255 { return false }
        }
        return true
    }

    static func isIPv6(_ s: Substring) -> Bool {
        guard !s.isEmpty, s.utf8.allSatisfy({ isHex($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else {
            return false
        }
        var text = s
        var groupsAvailable = 8
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard isIPv4(text[text.index(after: lastColon)...]) else { return false }
            text = text[...lastColon]
            if !text.hasSuffix("::") { text = text.dropLast() }
            groupsAvailable = 6
        }
        let doubleColons = text.components(separatedBy: "::")
        guard doubleColons.count <= 2 else { return false }
        func groups(_ part: String) -> Int? {
            if part.isEmpty { return 0 }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for piece in pieces where piece.isEmpty || piece.utf8.count > 4 || piece.contains(".") { return nil }
            return pieces.count
        }
        if doubleColons.count == 2 {
            guard let a = groups(doubleColons[0]), let b = groups(doubleColons[1]) else { return false }
            return a + b < groupsAvailable
        }
        guard let count = groups(doubleColons[0]) else { return false }
        return count == groupsAvailable
    }

    static func isHostname(_ string: String, international: Bool) -> Bool {
        if let ascii = isASCIIHostname(string) { return ascii }
        var text = string
        if international {
            // IDNA label separators other than the full stop.
            for separator in ["\u{3002}", "\u{FF0E}", "\u{FF61}"] { text = text.replacingOccurrences(of: separator, with: ".") }
        }
        guard !text.isEmpty, text.utf8.count <= 253 || international else { return false }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty, !label.hasPrefix("-"), !label.hasSuffix("-") else { return false }
            let ascii = label.utf8.allSatisfy { $0 < 0x80 }
            if ascii {
                guard label.utf8.count <= 63,
                      label.utf8.allSatisfy({ isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") }) else { return false }
                let lower = label.lowercased()
                if lower.count >= 4, lower.dropFirst(2).hasPrefix("--"), !lower.hasPrefix("xn--") { return false }
            } else {
                guard international, label.unicodeScalars.count <= 63 else { return false }
                for scalar in label.unicodeScalars {
                    let p = scalar.properties
                    let allowed = p.isAlphabetic || p.numericType != nil || scalar == "-" || p.generalCategory == .nonspacingMark
                        || p.generalCategory == .spacingMark || scalar.value == 0x00B7 || scalar.value == 0x0375
                        || scalar.value == 0x05F3 || scalar.value == 0x05F4 || scalar.value == 0x30FB
                        || scalar.value == 0x200C || scalar.value == 0x200D
                    if !allowed || scalar.value == 0x302E || scalar.value == 0x0640 || scalar.value == 0x07FA { return false }
                }
                if let first = label.unicodeScalars.first, first.properties.generalCategory == .nonspacingMark
                    || first.properties.generalCategory == .spacingMark || first.properties.generalCategory == .enclosingMark {
                    return false
                }
            }
        }
        return true
    }

    /// RFC 5322 `atext` beyond letters and digits.
    private static func isAtomSpecial(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"),
             UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"),
             UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// The common all-ASCII case without allocation; nil when the name has other characters.
    private static func isASCIIHostname(_ string: String) -> Bool? {
        var copy = string
        return copy.withUTF8 { isASCIIHostname($0) }
    }

    /// The hostname check for ASCII; nil when there are other bytes (the IDN rules apply).
    private static func isASCIIHostname(_ b: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard !b.isEmpty, b.count <= 253 else { return b.isEmpty ? false : nil }
        var labelStart = 0
        var i = 0
        while i <= b.count {
            if i == b.count || b[i] == UInt8(ascii: ".") {
                let length = i - labelStart
                guard length >= 1, length <= 63, b[labelStart] != UInt8(ascii: "-"), b[i - 1] != UInt8(ascii: "-") else { return false }
                if length >= 4, b[labelStart + 2] == UInt8(ascii: "-"), b[labelStart + 3] == UInt8(ascii: "-"),
                   !((b[labelStart] | 0x20) == UInt8(ascii: "x") && (b[labelStart + 1] | 0x20) == UInt8(ascii: "n")) {
                    return false
                }
                labelStart = i + 1
            } else if b[i] >= 0x80 {
                return nil
            } else if !(isAlpha(b[i]) || isDigit(b[i]) || b[i] == UInt8(ascii: "-")) {
                return false
            }
            i += 1
        }
        return true
    }

    static func isEmail(_ string: String, international: Bool) -> Bool {
        var copy = string
        return copy.withUTF8 { isEmail($0, international: international) }
    }

    static func isEmail(_ b: UnsafeBufferPointer<UInt8>, international: Bool) -> Bool {
        var at = b.count - 1
        while at >= 0, b[at] != UInt8(ascii: "@") { at -= 1 }
        guard at > 0, at < b.count - 1, at <= 64 else { return false }
        if b[0] == UInt8(ascii: "\"") {
            guard at >= 2, b[at - 1] == UInt8(ascii: "\"") else { return false }
            var escaped = false
            for i in 1..<(at - 1) {
                let c = b[i]
                if escaped { escaped = false; continue }
                if c == UInt8(ascii: "\\") { escaped = true; continue }
                if c == UInt8(ascii: "\"") || (c < 0x20 && c != 0x09) || c == 0x7F { return false }
                if c >= 0x80 && !international { return false }
            }
            if escaped { return false }
        } else {
            guard b[0] != UInt8(ascii: "."), b[at - 1] != UInt8(ascii: ".") else { return false }
            for i in 0..<at {
                let c = b[i]
                if c == UInt8(ascii: ".") {
                    if b[i + 1] == UInt8(ascii: ".") { return false }
                    continue
                }
                guard isAlpha(c) || isDigit(c) || isAtomSpecial(c) || (international && c >= 0x80) else { return false }
            }
        }
        let domainBytes = UnsafeBufferPointer(rebasing: b[(at + 1)...])
        if b[at + 1] != UInt8(ascii: "["), let ascii = isASCIIHostname(domainBytes) { return ascii }
        let domain = String(decoding: domainBytes, as: UTF8.self)
        if b[at + 1] == UInt8(ascii: "[") {
            guard b[b.count - 1] == UInt8(ascii: "]") else { return false }
            let literal = domain.dropFirst().dropLast()
            if literal.hasPrefix("IPv6:") { return isIPv6(literal.dropFirst(5)) }
            return isIPv4(literal)
        }
        return isHostname(domain, international: international)
    }

    @inline(__always)
    private static func isUnreserved(_ c: UInt8) -> Bool {
        isAlpha(c) || isDigit(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_")
            || c == UInt8(ascii: "~")
    }

    @inline(__always)
    private static func isSubDelimiter(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
             UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
             UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// RFC 3986 (or RFC 3987 with `international`) syntax of a URI or URI reference.
    static func isURI(_ string: String, international: Bool, allowRelative: Bool) -> Bool {
        var copy = string
        return copy.withUTF8 { isURI($0, international: international, allowRelative: allowRelative) }
    }

    static func isURI(_ b: UnsafeBufferPointer<UInt8>, international: Bool, allowRelative: Bool) -> Bool {
        var i = 0
        /// Consumes one percent-encoded octet or allowed character.
        func take(colon: Bool, pathCharacters: Bool) -> Bool {
            let c = b[i]
            if c == UInt8(ascii: "%") {
                guard i + 2 < b.count, isHex(b[i + 1]), isHex(b[i + 2]) else { return false }
                i += 3
                return true
            }
            let ok = isUnreserved(c) || isSubDelimiter(c) || (international && c >= 0x80)
                || (colon && c == UInt8(ascii: ":"))
                || (pathCharacters && (c == UInt8(ascii: "@") || c == UInt8(ascii: "/") || c == UInt8(ascii: "?")))
            if ok { i += 1 }
            return ok
        }
        func isGeneralDelimiter(_ c: UInt8) -> Bool {
            c == UInt8(ascii: "/") || c == UInt8(ascii: "?") || c == UInt8(ascii: "#")
        }
        // Scheme, if any: the first ':' before any '/', '?' or '#'.
        var hasScheme = false
        var colon = 0
        while colon < b.count, b[colon] != UInt8(ascii: ":"), !isGeneralDelimiter(b[colon]) { colon += 1 }
        if colon < b.count, b[colon] == UInt8(ascii: ":"), colon > 0 {
            guard isAlpha(b[0]) else { return false }
            for k in 1..<colon {
                let c = b[k]
                guard isAlpha(c) || isDigit(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") else {
                    return false
                }
            }
            hasScheme = true
            i = colon + 1
        } else if colon < b.count, b[colon] == UInt8(ascii: ":") {
            return false
        }
        if !hasScheme && !allowRelative { return false }
        // Authority.
        if i + 1 < b.count, b[i] == UInt8(ascii: "/"), b[i + 1] == UInt8(ascii: "/") {
            i += 2
            var end = i
            while end < b.count, !isGeneralDelimiter(b[end]) { end += 1 }
            var at = end - 1
            while at >= i, b[at] != UInt8(ascii: "@") { at -= 1 }
            if at >= i {
                while i < at { guard take(colon: true, pathCharacters: false) else { return false } }
                i = at + 1
            }
            if i < end, b[i] == UInt8(ascii: "[") {
                var close = i
                while close < end, b[close] != UInt8(ascii: "]") { close += 1 }
                guard close < end else { return false }
                let literal = String(decoding: UnsafeBufferPointer(rebasing: b[(i + 1)..<close]), as: UTF8.self)
                guard isIPv6(Substring(literal)) || literal.hasPrefix("v") else { return false }
                i = close + 1
            } else {
                while i < end, b[i] != UInt8(ascii: ":") { guard take(colon: false, pathCharacters: false) else { return false } }
            }
            if i < end, b[i] == UInt8(ascii: ":") {
                i += 1
                while i < end { guard isDigit(b[i]) else { return false }; i += 1 }
            }
            guard i == end else { return false }
        }
        // Path, query, fragment.
        var inFragment = false
        while i < b.count {
            if b[i] == UInt8(ascii: "#") {
                if inFragment { return false }
                inFragment = true
                i += 1
                continue
            }
            guard take(colon: true, pathCharacters: true) else { return false }
        }
        return true
    }

    static func isURITemplate(_ string: String) -> Bool {
        var open = false
        for scalar in string.unicodeScalars {
            switch scalar {
            case "{":
                if open { return false }
                open = true
            case "}":
                if !open { return false }
                open = false
            case " ", "\"", "'", "<", ">", "\\", "^", "`", "|":
                return false
            default:
                if scalar.value < 0x20 { return false }
            }
        }
        return !open
    }

    static func isRelativeJSONPointer(_ string: String) -> Bool {
        let b = Array(string.utf8)
        var i = 0
        while i < b.count, isDigit(b[i]) { i += 1 }
        guard i > 0, !(b[0] == UInt8(ascii: "0") && i > 1) else { return false }
        if i == b.count { return true }
        if b[i] == UInt8(ascii: "#") { return i + 1 == b.count }
        return JSONPointer(String(decoding: b[i...], as: UTF8.self)) != nil
    }
}
