/// An immutable value behind a reference, so the evaluator can borrow it through an
/// `Unmanaged` pointer instead of copying (and retaining) its parts per keyword.
final class Box<Value: Sendable>: Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
