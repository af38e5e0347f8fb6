import CaseModel

/// The differences between two JSON documents, member by member and index by index: what an
/// edit changed, kept with the edit (and masked like the body for roles without access).
public struct JSONDiff: Sendable, Hashable {
    public struct Change: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            case added, removed, changed
        }

        public var kind: Kind
        public var path: String
        public var before: JSONValue?
        public var after: JSONValue?
    }

    public var changes: [Change]

    public init(from before: JSONValue, to after: JSONValue) {
        var changes: [Change] = []
        Self.compare(before, after, at: .root, into: &changes)
        self.changes = changes
    }

    private static func compare(_ a: JSONValue, _ b: JSONValue, at pointer: JSONPointer, into changes: inout [Change]) {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            for key in x.keys {
                if let right = y[key] {
                    compare(x[key]!, right, at: pointer.appending(key), into: &changes)
                } else {
                    changes.append(Change(kind: .removed, path: pointer.appending(key).description, before: x[key], after: nil))
                }
            }
            for key in y.keys where x[key] == nil {
                changes.append(Change(kind: .added, path: pointer.appending(key).description, before: nil, after: y[key]))
            }
        case (.array(let x), .array(let y)) where x.count == y.count:
            for index in x.indices { compare(x[index], y[index], at: pointer.appending(index: index), into: &changes) }
        default:
            if a != b { changes.append(Change(kind: .changed, path: pointer.description, before: a, after: b)) }
        }
    }

    /// The patch that turns the first document into the second (how an edit made in an
    /// editor is recorded: as the patch it amounts to). Arrays that changed length are
    /// replaced whole, so no index shifts under a later operation.
    public var patch: JSONPatch {
        JSONPatch(changes.map { change in
            let path = JSONPointer(change.path) ?? .root
            switch change.kind {
            case .added: return .add(path, change.after ?? .null)
            case .removed: return .remove(path)
            case .changed: return .replace(path, change.after ?? .null)
            }
        })
    }

    /// `[{"kind","path","before","after"}]`, as kept with the edit.
    public var json: JSONValue {
        .array(changes.map { change in
            var object = JSONObject()
            object["kind"] = .string(change.kind.rawValue)
            object["path"] = .string(change.path)
            if let before = change.before { object["before"] = before }
            if let after = change.after { object["after"] = after }
            return .object(object)
        })
    }
}
