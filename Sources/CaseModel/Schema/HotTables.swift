/// Unretained views of a program's ``KeywordTables`` for the evaluator's inner loop.
///
/// Reading a class reference or a value with references out of a Swift array costs a
/// retain/release pair per keyword (as far as the compiler knows, the array could change
/// during the call); profiles of the validator showed those pairs as its largest cost. These
/// plain pointers into storage that the program owns and never changes cost nothing. The
/// objects stay alive through the program's ``KeywordTables``; the buffers are freed with it.
struct HotTables {
    let values: UnsafeMutablePointer<JSONValue>
    let numbers: UnsafeMutablePointer<JSONNumber>
    let enums: UnsafeMutablePointer<Unmanaged<EnumRule>>
    let patterns: UnsafeMutablePointer<Unmanaged<Pattern>>
    let names: UnsafeMutablePointer<Unmanaged<Box<(names: [String], ascii: Bool)>>>
    let members: UnsafeMutablePointer<Unmanaged<MembersRule>>
    let nodeLists: UnsafeMutablePointer<Unmanaged<Box<[Int]>>>
    let codeLists: UnsafeMutablePointer<Unmanaged<Box<CodeList>>>
    let dateOrders: UnsafeMutablePointer<Unmanaged<Box<[DateOrderRule]>>>
    private let counts: (values: Int, numbers: Int)

    init(_ tables: KeywordTables) {
        func copy<T>(_ array: [T]) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(array.count, 1))
            pointer.initialize(from: array, count: array.count)
            return pointer
        }
        func unretained<T: AnyObject>(_ array: [T]) -> UnsafeMutablePointer<Unmanaged<T>> {
            copy(array.map { Unmanaged.passUnretained($0) })
        }
        values = copy(tables.values)
        numbers = copy(tables.numbers)
        enums = unretained(tables.enums)
        patterns = unretained(tables.patterns)
        names = unretained(tables.names)
        members = unretained(tables.members)
        nodeLists = unretained(tables.nodeLists)
        codeLists = unretained(tables.codeLists)
        dateOrders = unretained(tables.dateOrders)
        counts = (tables.values.count, tables.numbers.count)
    }

    /// Frees the buffers; called once, by the owning program's deinit.
    func deallocate() {
        values.deinitialize(count: counts.values)
        numbers.deinitialize(count: counts.numbers)
        values.deallocate()
        numbers.deallocate()
        // Unmanaged references are trivial: nothing to deinitialize.
        enums.deallocate()
        patterns.deallocate()
        names.deallocate()
        members.deallocate()
        nodeLists.deallocate()
        codeLists.deallocate()
        dateOrders.deallocate()
    }
}
