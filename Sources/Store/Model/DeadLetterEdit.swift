import Foundation

/// Who did something: an operator (with the role they acted in) or a service.
public struct AuditActor: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String
    public var role: String

    public init(name: String, role: String) {
        self.name = name
        self.role = role
    }

    /// The router, as it appears in the audit log.
    public static let router = AuditActor(name: "router", role: "service")

    /// The operations server's dead-letter consumer, which stores what reaches `dead.letters`.
    public static let deadLetterConsumer = AuditActor(name: "dead-letter-consumer", role: "service")

    public var description: String { "\(name) (\(role))" }
}

/// The outcome of revalidating an edited body against the schemas.
public struct Revalidation: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// Passed: the edit may be replayed.
        case valid
        /// Failed: it may not be replayed until a further edit passes.
        case invalid
    }

    public var status: Status
    /// Which checks ran, e.g. `case-schemas` or `envelope`.
    public var validator: String
    /// What failed: JSON pointers and keywords, no values.
    public var problems: [String]

    public init(status: Status, validator: String, problems: [String] = []) {
        self.status = status
        self.validator = validator
        self.problems = problems
    }
}

/// One edit of a dead letter: the patch, the diff it made, and the body after it.
public struct DeadLetterEdit: Sendable, Hashable {
    public var revision: Int
    public var editedAt: Date
    public var actor: AuditActor
    public var reason: String?
    /// The RFC 6902 patch as JSON text.
    public var patch: String
    /// The changes as JSON text (`[{"op", "path", "before", "after"}]`); holds personal data.
    public var diff: String
    public var body: [UInt8]
    public var revalidation: Revalidation
}

/// An edit to apply: the new body, how it came about, and whether it passed revalidation.
public struct DeadLetterChange: Sendable {
    public var body: [UInt8]
    public var patch: String
    public var diff: String
    /// Pointers the edit touched, for the audit log (paths only, never values).
    public var paths: [String]
    public var revalidation: Revalidation
    /// The revision the edit was made against; a concurrent edit makes it a conflict.
    public var baseRevision: Int

    public init(body: [UInt8], patch: String, diff: String, paths: [String], revalidation: Revalidation, baseRevision: Int) {
        self.body = body
        self.patch = patch
        self.diff = diff
        self.paths = paths
        self.revalidation = revalidation
        self.baseRevision = baseRevision
    }
}
