import CaseModel

/// An RFC 6902 JSON Patch: `add`, `remove`, `replace`, `move`, `copy` and `test` operations on
/// RFC 6901 pointers, applied all or nothing.
public struct JSONPatch: Sendable, Hashable {
    public enum Operation: Sendable, Hashable {
        case add(JSONPointer, JSONValue)
        case remove(JSONPointer)
        case replace(JSONPointer, JSONValue)
        case move(from: JSONPointer, to: JSONPointer)
        case copy(from: JSONPointer, to: JSONPointer)
        case test(JSONPointer, JSONValue)

        /// The pointer the operation changes (for `test`, the one it reads).
        public var path: JSONPointer {
            switch self {
            case .add(let p, _), .remove(let p), .replace(let p, _), .test(let p, _): p
            case .move(_, let to), .copy(_, let to): to
            }
        }
    }

    public var operations: [Operation]

    public init(_ operations: [Operation]) { self.operations = operations }

    /// Parses the JSON form, e.g. `[{"op":"replace","path":"/data/x","value":1}]`.
    public init(parsing bytes: [UInt8]) throws(JSONPatchError) {
        let document: JSONValue
        do {
            document = try JSONParser().parse(bytes)
        } catch {
            throw JSONPatchError("the patch is not JSON: \(error)")
        }
        guard let items = document.arrayValue else { throw JSONPatchError("a JSON patch is an array of operations") }
        var operations: [Operation] = []
        for (index, item) in items.enumerated() {
            guard let object = item.objectValue, let op = object["op"]?.stringValue else {
                throw JSONPatchError("operation \(index) has no op")
            }
            func pointer(_ member: String) throws(JSONPatchError) -> JSONPointer {
                guard let text = object[member]?.stringValue, let pointer = JSONPointer(text) else {
                    throw JSONPatchError("operation \(index) (\(op)) needs a JSON pointer in \(member)")
                }
                return pointer
            }
            func value() throws(JSONPatchError) -> JSONValue {
                guard let value = object["value"] else { throw JSONPatchError("operation \(index) (\(op)) needs a value") }
                return value
            }
            switch op {
            case "add": operations.append(.add(try pointer("path"), try value()))
            case "remove": operations.append(.remove(try pointer("path")))
            case "replace": operations.append(.replace(try pointer("path"), try value()))
            case "move": operations.append(.move(from: try pointer("from"), to: try pointer("path")))
            case "copy": operations.append(.copy(from: try pointer("from"), to: try pointer("path")))
            case "test": operations.append(.test(try pointer("path"), try value()))
            default: throw JSONPatchError("operation \(index) has an unknown op \(op)")
            }
        }
        self.init(operations)
    }

    /// The patched document; throws (and changes nothing) if any operation fails.
    public func applied(to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        var result = document
        for (index, operation) in operations.enumerated() {
            do throws(JSONPatchError) {
                switch operation {
                case .add(let path, let value):
                    try result.insert(value, at: path.tokens[...], replacing: false)
                case .remove(let path):
                    _ = try result.remove(at: path.tokens[...])
                case .replace(let path, let value):
                    guard result[pointer: path] != nil else { throw JSONPatchError("nothing at \(path) to replace") }
                    try result.insert(value, at: path.tokens[...], replacing: true)
                case .move(let from, let to):
                    if to.tokens.starts(with: from.tokens) && to.tokens.count > from.tokens.count {
                        throw JSONPatchError("cannot move \(from) into itself")
                    }
                    let value = try result.remove(at: from.tokens[...])
                    try result.insert(value, at: to.tokens[...], replacing: false)
                case .copy(let from, let to):
                    guard let value = result[pointer: from] else { throw JSONPatchError("nothing at \(from) to copy") }
                    try result.insert(value, at: to.tokens[...], replacing: false)
                case .test(let path, let value):
                    guard result[pointer: path] == value else { throw JSONPatchError("test failed at \(path)") }
                }
            } catch {
                throw JSONPatchError("operation \(index): \(error.message)")
            }
        }
        return result
    }

    /// The pointers the patch changes (`test` changes nothing).
    public var changedPaths: [String] {
        operations.compactMap { operation in
            if case .test = operation { return nil }
            if case .move(let from, let to) = operation { return "\(from) → \(to)" }
            return operation.path.description
        }
    }
}

/// Why a patch could not be read or applied. Names pointers, never values.
public struct JSONPatchError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension JSONValue {
    /// RFC 6902 `add` (or `replace` when `replacing`): into an object member, or an array
    /// index (`-` appends; adding shifts the rest).
    fileprivate mutating func insert(_ value: JSONValue, at tokens: ArraySlice<String>, replacing: Bool) throws(JSONPatchError) {
        guard let token = tokens.first else {
            self = value
            return
        }
        let rest = tokens.dropFirst()
        switch self {
        case .object(var object):
            if rest.isEmpty {
                object[token] = value
            } else {
                guard var child = object[token] else { throw JSONPatchError("no member \(token) on the way") }
                try child.insert(value, at: rest, replacing: replacing)
                object[token] = child
            }
            self = .object(object)
        case .array(var array):
            if rest.isEmpty {
                if token == "-" && !replacing {
                    array.append(value)
                } else {
                    guard let index = Self.index(token), replacing ? index < array.count : index <= array.count else {
                        throw JSONPatchError("array index \(token) is out of range")
                    }
                    if replacing { array[index] = value } else { array.insert(value, at: index) }
                }
            } else {
                guard let index = Self.index(token), index < array.count else { throw JSONPatchError("array index \(token) is out of range") }
                var child = array[index]
                try child.insert(value, at: rest, replacing: replacing)
                array[index] = child
            }
            self = .array(array)
        default:
            throw JSONPatchError("cannot descend into a \(typeName) at \(token)")
        }
    }

    /// RFC 6902 `remove`; returns the removed value.
    fileprivate mutating func remove(at tokens: ArraySlice<String>) throws(JSONPatchError) -> JSONValue {
        guard let token = tokens.first else { throw JSONPatchError("the whole document cannot be removed") }
        let rest = tokens.dropFirst()
        switch self {
        case .object(var object):
            guard var child = object[token] else { throw JSONPatchError("no member \(token)") }
            let removed: JSONValue
            if rest.isEmpty {
                removed = child
                object[token] = nil
            } else {
                removed = try child.remove(at: rest)
                object[token] = child
            }
            self = .object(object)
            return removed
        case .array(var array):
            guard let index = Self.index(token), index < array.count else { throw JSONPatchError("array index \(token) is out of range") }
            let removed: JSONValue
            if rest.isEmpty {
                removed = array.remove(at: index)
            } else {
                var child = array[index]
                removed = try child.remove(at: rest)
                array[index] = child
            }
            self = .array(array)
            return removed
        default:
            throw JSONPatchError("cannot descend into a \(typeName) at \(token)")
        }
    }

    private static func index(_ token: String) -> Int? {
        guard let first = token.utf8.first, token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), token.utf8.count <= 9 else { return nil }
        if first == UInt8(ascii: "0") && token.utf8.count > 1 { return nil }
        return Int(token)
    }
}

extension JSONPatch {
    /// The JSON form, as kept with an edit.
    public var json: JSONValue {
        .array(operations.map { operation in
            var object = JSONObject()
            switch operation {
            case .add(let path, let value):
                object["op"] = "add"
                object["path"] = .string(path.description)
                object["value"] = value
            case .remove(let path):
                object["op"] = "remove"
                object["path"] = .string(path.description)
            case .replace(let path, let value):
                object["op"] = "replace"
                object["path"] = .string(path.description)
                object["value"] = value
            case .move(let from, let to):
                object["op"] = "move"
                object["from"] = .string(from.description)
                object["path"] = .string(to.description)
            case .copy(let from, let to):
                object["op"] = "copy"
                object["from"] = .string(from.description)
                object["path"] = .string(to.description)
            case .test(let path, let value):
                object["op"] = "test"
                object["path"] = .string(path.description)
                object["value"] = value
            }
            return .object(object)
        })
    }
}
