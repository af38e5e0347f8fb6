import CaseModel

/// Why a message cannot be routed: the dead letter's structured context.
///
/// `code` is one of Schemas/codelists/error-code.json (coarse, for receipts and filters);
/// `detail` is the specific cause (`json.too-deep`, `auth.source-mismatch`, ...). The reason
/// is written for an operator and never contains message content.
public struct RouterFailure: Error, Sendable, Hashable {
    /// A violation in the form of the Schemas/examples expect files.
    public struct Violation: Sendable, Hashable {
        public var instanceLocation: String
        public var keyword: String
        public var message: String
    }

    public var code: String
    public var detail: String
    public var stage: Stage
    public var pointer: String?
    public var reason: String
    public var violations: [Violation]
    /// Transient failures go through the retry tiers; permanent ones are dead-lettered at once.
    public var retryable: Bool
    /// Set when the failure also is a security incident for the BSI (Schemas/codelists/incident-kind.json).
    public var incident: String?

    public init(
        code: String, detail: String, stage: Stage, pointer: String? = nil, reason: String,
        violations: [Violation] = [], retryable: Bool = false, incident: String? = nil
    ) {
        self.code = code
        self.detail = detail
        self.stage = stage
        self.pointer = pointer
        self.reason = reason
        self.violations = violations
        self.retryable = retryable
        self.incident = incident
    }

    static func malformed(_ detail: String, _ reason: String, pointer: String? = nil) -> RouterFailure {
        RouterFailure(code: "malformed", detail: detail, stage: .decode, pointer: pointer, reason: reason)
    }

    static func unauthorized(_ detail: String, _ reason: String, incident: String? = nil, pointer: String? = nil) -> RouterFailure {
        RouterFailure(code: "unauthorized", detail: detail, stage: .authenticate, pointer: pointer, reason: reason, incident: incident)
    }

    static func unroutable(_ detail: String, _ reason: String, pointer: String? = nil) -> RouterFailure {
        RouterFailure(code: "unroutable", detail: detail, stage: .route, pointer: pointer, reason: reason)
    }
}
