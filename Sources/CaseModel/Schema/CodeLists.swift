import Foundation

/// One code list, e.g. DESTATIS Staatsangehörigkeit: a file shaped
/// `{"codelist": "urn:…", "version": "…", "entries": [{"code": "…", …}, …]}`.
public struct CodeList: Sendable {
    /// The name schemas use in `x-codeList` (the file name without `.json`).
    public let name: String
    /// The list's identifier (`codelist`), e.g. a URN, if given.
    public let identifier: String?
    /// The list's version, if given.
    public let version: String?
    /// Every entry object, in file order.
    public let entries: [JSONObject]
    private let positions: [JSONObject.HashKey: Int]

    /// Builds a list from its JSON document.
    public init(name: String, json: JSONValue) throws(SchemaCompileError) {
        guard case .object(let root) = json, case .array(let entries)? = root["entries"] else {
            throw SchemaCompileError(code: .invalidCodeList, detail: "code list \(name) has no \"entries\" array")
        }
        var objects: [JSONObject] = []
        var positions: [JSONObject.HashKey: Int] = [:]
        for (i, entry) in entries.enumerated() {
            guard case .object(let object) = entry, case .string(let code)? = object["code"] else {
                throw SchemaCompileError(code: .invalidCodeList, detail: "entry \(i) of code list \(name) has no string \"code\"")
            }
            guard positions.updateValue(objects.count, forKey: JSONObject.HashKey(code)) == nil else {
                throw SchemaCompileError(code: .invalidCodeList, detail: "code list \(name) lists code \(code) twice")
            }
            objects.append(object)
        }
        self.name = name
        self.identifier = root["codelist"]?.stringValue
        self.version = root["version"]?.stringValue
        self.entries = objects
        self.positions = positions
    }

    /// Loads `<name>.json`; the name is the file name without extension.
    public init(contentsOf file: URL) throws(SchemaCompileError) {
        let json = try SchemaRegistry.readJSON(file)
        try self.init(name: file.deletingPathExtension().lastPathComponent, json: json)
    }

    /// Whether `code` is one of the list's codes (exact, case-sensitive).
    public func contains(_ code: String) -> Bool {
        positions[JSONObject.HashKey(code)] != nil
    }

    /// The entry for `code`, with its other columns (names, crosswalks).
    public func entry(for code: String) -> JSONObject? {
        positions[JSONObject.HashKey(code)].map { entries[$0] }
    }

    /// The number of codes.
    public var count: Int { entries.count }
}

/// The code lists `x-codeList` can name.
public struct CodeLists: Sendable {
    private var lists: [String: CodeList]

    public init(_ lists: [CodeList] = []) {
        self.lists = [:]
        for list in lists { self.lists[list.name] = list }
    }

    /// Loads every `*.json` file in `directory` (not recursive) as a list named after the file.
    public init(directory: URL) throws(SchemaCompileError) {
        self.init()
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw SchemaCompileError(code: .unreadableFile, detail: "cannot list code-list directory \(directory.path)")
        }
        for name in names.sorted() where name.hasSuffix(".json") {
            add(try CodeList(contentsOf: directory.appendingPathComponent(name)))
        }
    }

    /// Adds or replaces a list.
    public mutating func add(_ list: CodeList) {
        lists[list.name] = list
    }

    /// The list called `name`.
    public subscript(name: String) -> CodeList? { lists[name] }

    /// The names of all lists, sorted.
    public var names: [String] { lists.keys.sorted() }
}
