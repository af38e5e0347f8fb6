/// A JSON object: members in insertion order (so re-serialisation looks like the input) with
/// fast lookup by key. Keys compare by Unicode code points.
public struct JSONObject: Sendable {
    /// Above this many members a hash index replaces linear search (and keeps duplicate
    /// detection linear for hostile inputs with very many keys).
    static let indexThreshold = 32

    /// One member; stored together so an object is a single allocation.
    struct Member: Sendable {
        var key: String
        var value: JSONValue
    }

    private(set) var members: [Member]
    private var index: [HashKey: Int]?

    /// An empty object.
    public init() {
        members = []
    }

    /// An object from members in order; later duplicates replace earlier ones.
    public init(_ members: some Sequence<(key: String, value: JSONValue)>) {
        self.init()
        for member in members { self[member.key] = member.value }
    }

    /// Takes parser-built storage whose keys are known to be unique.
    init(uniqueMembers members: [Member], index: [HashKey: Int]?) {
        self.members = members
        self.index = members.count > Self.indexThreshold ? (index ?? Self.buildIndex(members)) : nil
    }

    static func buildIndex(_ members: [Member]) -> [HashKey: Int] {
        var index: [HashKey: Int] = [:]
        index.reserveCapacity(members.count)
        for (i, member) in members.enumerated() { index[HashKey(member.key)] = i }
        return index
    }

    /// The number of members.
    public var count: Int { members.count }

    /// True when the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The member names in order.
    public var keys: [String] { members.map(\.key) }

    /// The member values in order.
    public var values: [JSONValue] { members.map(\.value) }

    /// The position of `key` among the members, or nil.
    public func position(of key: String) -> Int? {
        if let index { return index[HashKey(key)] }
        for i in members.indices where members[i].key.utf8Equals(key) { return i }
        return nil
    }

    /// Like ``position(of:)``, trying `hint` first: callers walking names in roughly the
    /// object's order find each one with a single comparison.
    @inline(__always)
    func position(of key: String, hint: inout Int) -> Int? {
        if hint < members.count, members[hint].key.utf8Equals(key) {
            hint += 1
            return hint - 1
        }
        guard let found = position(of: key) else { return nil }
        hint = found + 1
        return found
    }

    /// ``position(of:hint:)`` for a key known to be ASCII (schema names, checked at compile time).
    @inline(__always)
    func position(ofASCII key: String, hint: inout Int) -> Int? {
        if hint < members.count, members[hint].key.equals(ascii: key) {
            hint += 1
            return hint - 1
        }
        if index == nil {
            for i in members.indices where members[i].key.equals(ascii: key) {
                hint = i + 1
                return i
            }
            return nil
        }
        return position(of: key, hint: &hint)
    }

    /// The value of member `key`; setting nil removes it, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = position(of: key) else { return nil }
            return members[i].value
        }
        set {
            if let i = position(of: key) {
                if let newValue {
                    members[i].value = newValue
                } else {
                    members.remove(at: i)
                    index = members.count > Self.indexThreshold ? Self.buildIndex(members) : nil
                }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
                if index != nil {
                    index?[HashKey(key)] = members.count - 1
                } else if members.count > Self.indexThreshold {
                    index = Self.buildIndex(members)
                }
            }
        }
    }

    /// Edits the value of member `key` in place (no copy of it while this object is its only
    /// owner); nil, and `body` is not called, when there is no such member.
    public mutating func updateValue<R>(forKey key: String, _ body: (inout JSONValue) throws -> R) rethrows -> R? {
        guard let i = position(of: key) else { return nil }
        return try body(&members[i].value)
    }

    /// A hashable key with code-point semantics, for the index.
    struct HashKey: Hashable, Sendable {
        let string: String
        init(_ string: String) { self.string = string }
        static func == (a: HashKey, b: HashKey) -> Bool { a.string.utf8Equals(b.string) }
        func hash(into hasher: inout Hasher) {
            let done: Void? = string.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            if done == nil { for byte in string.utf8 { hasher.combine(byte) } }
        }
    }
}

extension JSONObject: RandomAccessCollection {
    public typealias Element = (key: String, value: JSONValue)
    public var startIndex: Int { 0 }
    public var endIndex: Int { members.count }
    public subscript(position: Int) -> Element { (members[position].key, members[position].value) }
}

extension JSONObject: Hashable {
    /// Same members with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var hint = 0
        for member in lhs.members {
            guard let j = rhs.position(of: member.key, hint: &hint), member.value == rhs.members[j].value else { return false }
        }
        return true
    }

    /// Order-independent: member hashes are summed.
    public func hash(into hasher: inout Hasher) {
        var sum = 0
        for member in members {
            var memberHasher = Hasher()
            memberHasher.combine(HashKey(member.key))
            memberHasher.combine(member.value)
            sum = sum &+ memberHasher.finalize()
        }
        hasher.combine(count)
        hasher.combine(sum)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public typealias Key = String
    public typealias Value = JSONValue

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }
}
