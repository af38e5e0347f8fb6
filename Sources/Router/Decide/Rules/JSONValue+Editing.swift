import CaseModel

/// Pointer-pattern edits for projections: `*` in a pattern matches every array index or
/// object member at that level.
///
/// The edits run for every projected copy, so they work in place: a container is taken out of
/// `self` (leaving `.null` for the moment) before it is changed, which leaves it uniquely
/// referenced, and children are edited through the parent's storage. Binding the container
/// and assigning it back while `self` still holds it would copy it (copy on write) at every
/// level of the path.
extension JSONValue {
    /// Removes every member or element the pattern matches; absent paths are ignored.
    /// Returns how many were removed.
    @discardableResult
    mutating func remove(matching pattern: [String]) -> Int {
        remove(matching: pattern[...])
    }

    private mutating func remove(matching pattern: ArraySlice<String>) -> Int {
        guard let first = pattern.first else { return 0 }
        let rest = pattern.dropFirst()
        switch self {
        case .object(var object):
            self = .null
            defer { self = .object(object) }
            var removed = 0
            let keys = first == "*" ? object.keys : [first]
            for key in keys {
                if rest.isEmpty {
                    guard object[key] != nil else { continue }
                    object[key] = nil
                    removed += 1
                    continue
                }
                let count = object.updateValue(forKey: key) { $0.remove(matching: rest) } ?? 0
                removed += count
                // An object emptied by the projection goes too: schemas require content
                // in the objects they allow (e.g. identifiers with at least one member).
                if count > 0, case .object(let emptied)? = object[key], emptied.isEmpty {
                    object[key] = nil
                }
            }
            return removed
        case .array(var array):
            self = .null
            defer { self = .array(array) }
            if rest.isEmpty {
                if first == "*" {
                    defer { array.removeAll() }
                    return array.count
                }
                guard let index = Int(first), array.indices.contains(index) else { return 0 }
                array.remove(at: index)
                return 1
            }
            var removed = 0
            let indices = first == "*" ? Array(array.indices) : Int(first).map { [$0] } ?? []
            for index in indices where array.indices.contains(index) {
                removed += array[index].remove(matching: rest)
            }
            return removed
        default:
            return 0
        }
    }

    /// Keeps only the elements of the array at `arrayPath` whose value at `field` is one of
    /// `allowed` (strings). Returns how many were dropped.
    @discardableResult
    mutating func keepItems(at arrayPath: [String], where field: [String], in allowed: Set<String>) -> Int {
        keepItems(at: arrayPath[...], where: field, in: allowed)
    }

    private mutating func keepItems(at arrayPath: ArraySlice<String>, where field: [String], in allowed: Set<String>) -> Int {
        guard let first = arrayPath.first else {
            guard case .array(let array) = self else { return 0 }
            let kept = array.filter { item in item.value(at: field)?.stringValue.map(allowed.contains) ?? false }
            guard kept.count != array.count else { return 0 }
            self = .array(kept)
            return array.count - kept.count
        }
        let rest = arrayPath.dropFirst()
        switch self {
        case .object(var object):
            self = .null
            defer { self = .object(object) }
            return object.updateValue(forKey: first) { $0.keepItems(at: rest, where: field, in: allowed) } ?? 0
        case .array(var array):
            self = .null
            defer { self = .array(array) }
            guard let index = Int(first), array.indices.contains(index) else { return 0 }
            return array[index].keepItems(at: rest, where: field, in: allowed)
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
