import Foundation

/// Settings fixed when a schema is compiled.
public struct ValidationOptions: Sendable {
    /// Whether `format` asserts (rejects malformed dates, e-mail addresses, …) instead of only
    /// annotating. On by default for our schemas; the specification's default is off.
    public var assertFormats: Bool
    /// Deepest nesting of schema evaluations (subschemas and references) before validation
    /// gives up with an error instead of risking the stack of a concurrency thread.
    public var maxEvaluationDepth: Int
    /// The moment `x-notInFuture` compares against; nil means the clock at validation time.
    public var referenceTime: Date?
    /// Stop collecting after this many errors.
    public var maxErrors: Int

    public init(assertFormats: Bool = true, maxEvaluationDepth: Int = 128, referenceTime: Date? = nil,
                maxErrors: Int = 100) {
        self.assertFormats = assertFormats
        self.maxEvaluationDepth = maxEvaluationDepth
        self.referenceTime = referenceTime
        self.maxErrors = maxErrors
    }
}
