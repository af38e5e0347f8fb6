import Foundation

/// What ``XMLNode/parse(_:)`` decides about a document's bytes before any parser sees them.
///
/// A document type declaration is how entity-expansion ("billion laughs") and external-entity
/// attacks get into an XML parser, and the agencies' formats never use one; so a DOCTYPE is
/// refused in whatever encoding it is written. The screening decodes the document itself
/// (``XMLEncoding``), looks for `<!DOCTYPE` in the decoded text, and gives the parser that
/// same text as UTF-8 with the encoding declaration rewritten to say so: the check and the
/// parser cannot disagree about the characters. An encoding the screening cannot decode is
/// refused, never passed on for the parser to interpret.
enum XMLScreening: Sendable, Hashable {
    /// The document as UTF-8 for the parser (no byte order mark, any encoding declaration
    /// naming UTF-8), and the encoding it came in.
    case accepted(utf8: [UInt8], encoding: XMLEncoding)
    /// The document has a document type declaration.
    case documentType(XMLEncoding)
    /// The document contains U+0000, which XML does not allow (and which 16-bit text read as
    /// 8-bit would show).
    case nullCharacter(XMLEncoding)
    /// The document is in an encoding the adapter does not read (`name` as declared, or EBCDIC).
    case unsupportedEncoding(name: String)
    /// The declaration names an encoding the bytes are not in.
    case conflictingEncoding(declared: String, detected: XMLEncoding)
    /// The bytes are not valid in the encoding they are in (invalid UTF-8, a lone surrogate, ...).
    case undecodable(XMLEncoding)

    /// Screens a document.
    static func screen(_ bytes: [UInt8]) -> XMLScreening {
        let encoding: XMLEncoding
        var body = bytes[...]
        switch XMLEncoding.signature(of: bytes) {
        case .ebcdic:
            return .unsupportedEncoding(name: "EBCDIC")
        case .byteOrderMark(let marked, let length):
            encoding = marked
            body = bytes.dropFirst(length)
        case .unmarked(let detected):
            encoding = detected
        case .asciiCompatible:
            // The declaration is ASCII in every ASCII-compatible encoding: read it byte for byte.
            let prefix = String(String.UnicodeScalarView(bytes.prefix(512).map { Unicode.Scalar($0) }))
            if let declared = declaredEncoding(in: prefix) {
                guard let named = XMLEncoding.asciiCompatible(named: declared.name) else {
                    if ["UTF-16", "UTF-32", "UCS-"].contains(where: { declared.name.uppercased().hasPrefix($0) }) {
                        return .conflictingEncoding(declared: declared.name, detected: .utf8)
                    }
                    return .unsupportedEncoding(name: declared.name)
                }
                encoding = named
            } else {
                encoding = .utf8
            }
        }
        guard var text = encoding.decode(body) else { return .undecodable(encoding) }
        if let declared = declaredEncoding(in: text) {
            guard encoding.admits(declared: declared.name) else {
                return .conflictingEncoding(declared: declared.name, detected: encoding)
            }
            text.replaceSubrange(declared.range, with: "UTF-8")
        }
        if text.unicodeScalars.contains("\u{0}") { return .nullCharacter(encoding) }
        if text.range(of: "<!DOCTYPE", options: .caseInsensitive) != nil { return .documentType(encoding) }
        return .accepted(utf8: Array(text.utf8), encoding: encoding)
    }

    /// The refusal as a conversion error; nil for ``accepted(utf8:encoding:)``.
    var error: ConversionError? {
        switch self {
        case .accepted:
            nil
        case .documentType(let encoding):
            ConversionError(.documentType, "document type declarations (<!DOCTYPE …>) are not allowed (the document is \(encoding.rawValue))")
        case .nullCharacter(let encoding):
            ConversionError(.syntax, "the document contains the character U+0000, which XML does not allow (read as \(encoding.rawValue))")
        case .unsupportedEncoding(let name):
            ConversionError(.encoding, "the encoding \(name) is not supported (use UTF-8, UTF-16, UTF-32, US-ASCII, ISO-8859-1, ISO-8859-15 or windows-1252)")
        case .conflictingEncoding(let declared, let detected):
            ConversionError(.encoding, "the XML declaration names \(declared), but the document is encoded as \(detected.rawValue)")
        case .undecodable(let encoding):
            ConversionError(.encoding, "the document is not valid \(encoding.rawValue)")
        }
    }

    /// The value of the `encoding` pseudo-attribute of the XML declaration at the start of
    /// `text` (`<?xml version="1.0" encoding="..."?>`) and where it is. A value that is no
    /// encoding name (XML's EncName: a letter, then letters, digits, `.`, `_`, `-`) comes back
    /// as a placeholder, so a refusal never repeats arbitrary document content.
    static func declaredEncoding(in text: String) -> (name: String, range: Range<String.Index>)? {
        guard text.hasPrefix("<?xml"), let afterTarget = text.index(text.startIndex, offsetBy: 5, limitedBy: text.endIndex),
              afterTarget < text.endIndex, text[afterTarget].isWhitespace,
              let end = text.range(of: "?>", range: afterTarget..<text.endIndex) else { return nil }
        let declaration = text[afterTarget..<end.lowerBound]
        var searchFrom = declaration.startIndex
        while let keyword = declaration.range(of: "encoding", range: searchFrom..<declaration.endIndex) {
            searchFrom = keyword.upperBound
            // A pseudo-attribute starts after white space: not the tail of another name.
            guard keyword.lowerBound > declaration.startIndex, declaration[declaration.index(before: keyword.lowerBound)].isWhitespace else { continue }
            var index = keyword.upperBound
            while index < declaration.endIndex, declaration[index].isWhitespace { index = declaration.index(after: index) }
            guard index < declaration.endIndex, declaration[index] == "=" else { continue }
            index = declaration.index(after: index)
            while index < declaration.endIndex, declaration[index].isWhitespace { index = declaration.index(after: index) }
            guard index < declaration.endIndex, declaration[index] == "\"" || declaration[index] == "'" else { return nil }
            let quote = declaration[index]
            let start = declaration.index(after: index)
            guard let close = declaration[start...].firstIndex(of: quote) else { return nil }
            let value = String(declaration[start..<close])
            return (isEncodingName(value) ? value : "(no encoding name)", start..<close)
        }
        return nil
    }

    private static func isEncodingName(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic, value.count <= 40 else { return false }
        return value.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
    }
}
