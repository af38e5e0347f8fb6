import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small XML element tree for the agencies' XML formats: namespace-aware element names,
/// attributes, child elements and text. Mixed content (text beside child elements) and
/// document type declarations (in any encoding, see ``XMLScreening``) are refused: the formats
/// have neither, and a DTD is how entity-expansion attacks get in.
public struct XMLNode: Sendable, Hashable {
    /// Local name (without prefix).
    public var name: String
    /// Namespace URI, if any.
    public var namespace: String?
    public var attributes: [String: String]
    public var children: [XMLNode]
    /// Character data, trimmed of surrounding white space.
    public var text: String

    public init(_ name: String, namespace: String? = nil, attributes: [String: String] = [:], children: [XMLNode] = [], text: String = "") {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child named `name`.
    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    /// Every child named `name`.
    public func children(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    /// The text of the first child named `name`, nil when absent.
    public func text(of name: String) -> String? { child(name)?.text }
}

extension XMLNode {
    /// Parses a document with Foundation's `XMLParser` and returns its root element.
    public static func parse(_ bytes: [UInt8]) throws(ConversionError) -> XMLNode {
        guard bytes.count <= NativeDocument.maximumBytes else {
            throw ConversionError(.syntax, "the document has more than \(NativeDocument.maximumBytes) bytes")
        }
        // XMLParser has no switch for DTDs; the formats never use one, so refuse it up front,
        // in whatever encoding, and give the parser only the UTF-8 text the check read.
        let utf8: [UInt8]
        switch XMLScreening.screen(bytes) {
        case .accepted(let text, _): utf8 = text
        case let refused: throw refused.error ?? ConversionError(.syntax, "the document was refused")
        }
        let parser = XMLParser(data: Data(utf8))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        let builder = TreeBuilder()
        parser.delegate = builder
        let parsed = parser.parse()
        if let failure = builder.failure { throw failure }
        guard parsed, let root = builder.root else {
            let line = parser.lineNumber
            throw ConversionError(.syntax, "not well-formed XML", at: "line \(line)")
        }
        return root
    }

    /// Serialises the element as an indented UTF-8 document with an XML declaration; the
    /// element's namespace is declared as the default namespace on the root.
    public func document() -> [UInt8] {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        write(to: &out, indent: 0, declareNamespace: namespace)
        return Array(out.utf8)
    }

    private func write(to out: inout String, indent: Int, declareNamespace: String?) {
        let pad = String(repeating: "  ", count: indent)
        out += pad + "<" + name
        if let declareNamespace { out += " xmlns=\"\(Self.escape(declareNamespace, attribute: true))\"" }
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) {
            out += " \(key)=\"\(Self.escape(value, attribute: true))\""
        }
        if children.isEmpty {
            if text.isEmpty { out += "/>\n" } else { out += ">" + Self.escape(text, attribute: false) + "</" + name + ">\n" }
            return
        }
        out += ">\n"
        for child in children { child.write(to: &out, indent: indent + 1, declareNamespace: nil) }
        out += pad + "</" + name + ">\n"
    }

    static func escape(_ text: String, attribute: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where attribute: result += "&quot;"
            case "\n" where attribute: result += "&#10;"
            case "\r": result += "&#13;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Equal as documents: same names, namespaces, attributes, text and children in order.
    public func isEquivalent(to other: XMLNode) -> Bool { self == other }
}

/// Collects `XMLParser` callbacks into an ``XMLNode`` tree.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    var root: XMLNode?
    var failure: ConversionError?
    private var stack: [XMLNode] = []
    private var texts: [String] = []
    private static let maximumDepth = 64

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if !stack.isEmpty, !texts[texts.count - 1].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            fail(ConversionError(.syntax, "text beside child elements", at: path + "/" + elementName), parser)
            return
        }
        guard stack.count < Self.maximumDepth else {
            fail(ConversionError(.syntax, "elements nested deeper than \(Self.maximumDepth) levels"), parser)
            return
        }
        var plain: [String: String] = [:]
        for (key, value) in attributes where !key.hasPrefix("xmlns") { plain[key] = value }
        stack.append(XMLNode(elementName, namespace: namespaceURI?.isEmpty == false ? namespaceURI : nil, attributes: plain))
        texts.append("")
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !texts.isEmpty else { return }
        texts[texts.count - 1] += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard !texts.isEmpty else { return }
        texts[texts.count - 1] += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard var node = stack.popLast() else { return }
        let text = texts.removeLast().trimmingCharacters(in: .whitespacesAndNewlines)
        if !node.children.isEmpty && !text.isEmpty {
            fail(ConversionError(.syntax, "text beside child elements", at: path + "/" + node.name), parser)
            return
        }
        node.text = text
        if stack.isEmpty { root = node } else { stack[stack.count - 1].children.append(node) }
    }

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        fail(ConversionError(.syntax, "entity declarations are not allowed"), parser)
    }

    private var path: String { stack.map(\.name).joined(separator: "/") }

    private func fail(_ error: ConversionError, _ parser: XMLParser) {
        if failure == nil { failure = error }
        parser.abortParsing()
    }
}
