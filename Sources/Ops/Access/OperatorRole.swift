import Store

/// What an operator may do. Each role includes the ones below it: viewer < replayer < admin.
///
/// | role | may |
/// |---|---|
/// | viewer | queues, dead-letter lists and details with personal data masked, case traces |
/// | replayer | also: see personal data (audited), edit, replay, cancel and resume replays |
/// | admin | also: discard, abandon replays, read and verify the audit log |
///
/// Discarding is the admin's because it is the one action after which a case message is not
/// delivered at all; replaying and editing are reversible in effect (the router re-checks).
public enum OperatorRole: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case viewer
    case replayer
    case admin

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .replayer: 1
        case .admin: 2
        }
    }

    public func may(_ permission: Permission) -> Bool { self >= permission.minimumRole }
}

/// One thing an operator can do, and the least role it needs.
public enum Permission: String, Sendable, Hashable, CaseIterable {
    case viewQueues = "view-queues"
    case viewDeadLetters = "view-dead-letters"
    case viewTrace = "view-trace"
    case viewPersonalData = "view-personal-data"
    case edit
    case replay
    case discard
    case abandonReplay = "abandon-replay"
    case viewAudit = "view-audit"

    public var minimumRole: OperatorRole {
        switch self {
        case .viewQueues, .viewDeadLetters, .viewTrace: .viewer
        case .viewPersonalData, .edit, .replay: .replayer
        case .discard, .abandonReplay, .viewAudit: .admin
        }
    }
}

/// Someone acting: a logged-in operator, or the CLI's local user.
public struct Operator: Sendable, Hashable {
    public var name: String
    public var role: OperatorRole

    public init(name: String, role: OperatorRole) {
        self.name = name
        self.role = role
    }

    public var actor: AuditActor { AuditActor(name: name, role: role.rawValue) }
}
