import CaseModel

/// The fields a projection lets through, as a tree of pointer tokens: a node marked `whole`
/// keeps everything below it; `*` matches every array item or object member at its level.
/// Built once per grant from its `allow` pointers; ``filter(_:)`` runs for every copy.
struct AllowedFields: Sendable, Hashable {
    var whole = false
    var children: [String: AllowedFields] = [:]

    init() {}

    /// The tree of `pointers` (token lists).
    init(_ pointers: [[String]]) {
        for pointer in pointers { insert(pointer[...]) }
    }

    private mutating func insert(_ tokens: ArraySlice<String>) {
        guard !whole else { return }
        guard let first = tokens.first else {
            whole = true
            children = [:]
            return
        }
        children[first, default: AllowedFields()].insert(tokens.dropFirst())
    }

    /// What `*` and an exact token allow together at one level.
    private func child(_ key: String) -> AllowedFields? {
        switch (children[key], children["*"]) {
        case (nil, nil): nil
        case (let exact?, nil): exact
        case (nil, let any?): any
        case (let exact?, let any?): exact.merged(with: any)
        }
    }

    private func merged(with other: AllowedFields) -> AllowedFields {
        if whole || other.whole {
            var all = AllowedFields()
            all.whole = true
            return all
        }
        var result = self
        for (key, node) in other.children { result.children[key] = result.children[key].map { $0.merged(with: node) } ?? node }
        return result
    }

    /// `value` reduced to what the tree allows; nil when nothing of it is allowed (an object or
    /// array left empty is dropped, as the schemas require content in what they allow).
    func filter(_ value: JSONValue) -> JSONValue? {
        if whole { return value }
        switch value {
        case .object(let object):
            var kept = JSONObject()
            for (key, member) in object {
                guard let node = child(key), let filtered = node.filter(member) else { continue }
                kept[key] = filtered
            }
            return kept.isEmpty ? nil : .object(kept)
        case .array(let array):
            var kept: [JSONValue] = []
            for (index, item) in array.enumerated() {
                guard let node = child(String(index)), let filtered = node.filter(item) else { continue }
                kept.append(filtered)
            }
            return kept.isEmpty ? nil : .array(kept)
        default:
            // A pointer that goes deeper than a scalar allows nothing of it.
            return nil
        }
    }

    /// Whether the pointer (tokens) reaches something this tree allows or lies inside it.
    func overlaps(_ tokens: [String]) -> Bool {
        var node = self
        for token in tokens {
            if node.whole { return true }
            guard let next = node.child(token) else { return false }
            node = next
        }
        return true
    }
}
