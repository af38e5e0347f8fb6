import Foundation
import CaseModel

/// The content of a native XML message as JSON with native names and back: a member is an
/// element; an object has child elements; a list (``Vocabulary/Kind/list(item:)``) is a
/// wrapper element with one item element per entry; booleans are `true`/`false`; numbers are
/// JSON number literals; everything else is text.
enum XMLContent {
    /// Elements for the members of an object (native names), in member order.
    static func elements(of object: JSONObject, vocabulary: Vocabulary, path: String) throws(ConversionError) -> [XMLNode] {
        var nodes: [XMLNode] = []
        for (name, value) in object {
            let kind = vocabulary.term(native: name)?.kind ?? .value
            nodes.append(try element(name, value, kind: kind, vocabulary: vocabulary, path: "\(path)/\(name)"))
        }
        return nodes
    }

    private static func element(_ name: String, _ value: JSONValue, kind: Vocabulary.Kind, vocabulary: Vocabulary, path: String) throws(ConversionError) -> XMLNode {
        switch value {
        case .object(let object):
            return XMLNode(name, children: try elements(of: object, vocabulary: vocabulary, path: path))
        case .array(let items):
            guard case .list(let item) = kind else {
                throw ConversionError(.invalidValue, "'\(name)' is no list in the native format", at: path)
            }
            var children: [XMLNode] = []
            for (index, value) in items.enumerated() {
                if case .array = value { throw ConversionError(.invalidValue, "lists of lists have no XML form", at: "\(path)/\(index)") }
                children.append(try element(item, value, kind: .value, vocabulary: vocabulary, path: "\(path)/\(index)"))
            }
            return XMLNode(name, children: children)
        case .string(let text):
            return XMLNode(name, text: text)
        case .number(let number):
            return XMLNode(name, text: number.literal)
        case .bool(let flag):
            return XMLNode(name, text: flag ? "true" : "false")
        case .null:
            throw ConversionError(.invalidValue, "null has no XML form", at: path)
        }
    }

    /// The object an element's children describe (native names).
    static func object(of node: XMLNode, vocabulary: Vocabulary, path: String) throws(ConversionError) -> JSONObject {
        var object = JSONObject()
        for child in node.children {
            let childPath = "\(path)/\(child.name)"
            guard object[child.name] == nil else {
                throw ConversionError(.invalidValue, "'\(child.name)' occurs more than once", at: childPath)
            }
            guard let term = vocabulary.term(native: child.name) else {
                throw ConversionError(.unknownField, "unknown element '\(child.name)'", at: childPath)
            }
            object[child.name] = try value(of: child, kind: term.kind, vocabulary: vocabulary, path: childPath)
        }
        return object
    }

    private static func value(of node: XMLNode, kind: Vocabulary.Kind, vocabulary: Vocabulary, path: String) throws(ConversionError) -> JSONValue {
        guard node.attributes.isEmpty else {
            throw ConversionError(.unknownField, "unexpected attributes on '\(node.name)'", at: path)
        }
        switch kind {
        case .list(let item):
            var items: [JSONValue] = []
            for (index, child) in node.children.enumerated() {
                guard child.name == item else {
                    throw ConversionError(.unknownField, "'\(node.name)' holds '\(item)' elements only, not '\(child.name)'", at: "\(path)/\(index)")
                }
                items.append(child.children.isEmpty ? .string(child.text) : .object(try object(of: child, vocabulary: vocabulary, path: "\(path)/\(index)")))
            }
            return .array(items)
        case .boolean:
            switch node.text {
            case "true", "1": return .bool(true)
            case "false", "0": return .bool(false)
            default: throw ConversionError(.invalidValue, "'\(node.name)' must be true or false", at: path)
            }
        case .number:
            guard let number = JSONNumber(parsing: node.text) else {
                throw ConversionError(.invalidValue, "'\(node.name)' must be a number", at: path)
            }
            return .number(number)
        case .value:
            return node.children.isEmpty ? .string(node.text) : .object(try object(of: node, vocabulary: vocabulary, path: path))
        }
    }
}
