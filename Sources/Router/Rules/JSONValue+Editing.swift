import CaseModel

/// Pointer-pattern edits for projections: `*` in a pattern matches every array index or
/// object member at that level.
extension JSONValue {
    /// Removes every member or element the pattern matches; absent paths are ignored.
    /// Returns how many were removed.
    @discardableResult
    mutating func remove(matching pattern: [String]) -> Int {
        guard let first = pattern.first else { return 0 }
        let rest = Array(pattern.dropFirst())
        switch self {
        case .object(var object):
            var removed = 0
            let keys = first == "*" ? object.keys : [first]
            for key in keys {
                guard var child = object[key] else { continue }
                if rest.isEmpty {
                    object[key] = nil
                    removed += 1
                } else {
                    let count = child.remove(matching: rest)
                    removed += count
                    // An object emptied by the projection goes too: schemas require content
                    // in the objects they allow (e.g. identifiers with at least one member).
                    if count > 0, case .object(let emptied) = child, emptied.isEmpty {
                        object[key] = nil
                    } else {
                        object[key] = child
                    }
                }
            }
            self = .object(object)
            return removed
        case .array(var array):
            var removed = 0
            if rest.isEmpty {
                if first == "*" {
                    removed = array.count
                    array.removeAll()
                } else if let index = Int(first), array.indices.contains(index) {
                    array.remove(at: index)
                    removed = 1
                }
            } else {
                let indices = first == "*" ? Array(array.indices) : Int(first).map { [$0] } ?? []
                for index in indices where array.indices.contains(index) {
                    removed += array[index].remove(matching: rest)
                }
            }
            self = .array(array)
            return removed
        default:
            return 0
        }
    }

    /// Keeps only the elements of the array at `arrayPath` whose value at `field` is one of
    /// `allowed` (strings). Returns how many were dropped.
    @discardableResult
    mutating func keepItems(at arrayPath: [String], where field: [String], in allowed: Set<String>) -> Int {
        guard let first = arrayPath.first else {
            guard case .array(let array) = self else { return 0 }
            let kept = array.filter { item in item.value(at: field)?.stringValue.map(allowed.contains) ?? false }
            self = .array(kept)
            return array.count - kept.count
        }
        let rest = Array(arrayPath.dropFirst())
        switch self {
        case .object(var object):
            guard var child = object[first] else { return 0 }
            let dropped = child.keepItems(at: rest, where: field, in: allowed)
            object[first] = child
            self = .object(object)
            return dropped
        case .array(var array):
            guard let index = Int(first), array.indices.contains(index) else { return 0 }
            let dropped = array[index].keepItems(at: rest, where: field, in: allowed)
            self = .array(array)
            return dropped
        default:
            return 0
        }
    }

    /// The value at a pointer given as tokens.
    func value(at tokens: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for token in tokens {
            switch current {
            case .object(let object)?: current = object[token]
            case .array(let array)?:
                guard let index = Int(token), array.indices.contains(index) else { return nil }
                current = array[index]
            default: return nil
            }
        }
        return current
    }
}
