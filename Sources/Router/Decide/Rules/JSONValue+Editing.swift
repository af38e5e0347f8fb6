import CaseModel

/// Item filters for projections (``ProjectionRules``; the fields a copy keeps are chosen by
/// ``AllowedFields``).
///
/// The edit runs for projected copies, so it works in place: a container is taken out of
/// `self` (leaving `.null` for the moment) before it is changed, which leaves it uniquely
/// referenced, and children are edited through the parent's storage. Binding the container
/// and assigning it back while `self` still holds it would copy it (copy on write) at every
/// level of the path.
extension JSONValue {
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
