import Foundation

/// Where a replay sends a dead letter. Every target goes through the router again
/// (`case.ingress`): a replay is validated, authorised, projected and recorded like any message.
public enum ReplayTarget: Sendable, Hashable, CustomStringConvertible {
    /// As it went before it failed: to all its recipients, or for a copy that failed in an
    /// agency's inbox, to that agency again (``inbox(_:)``).
    case original
    /// `case.ingress` with the original routing key: the router runs again, with dedupe.
    case ingress
    /// To one agency again: only for a copy the router had addressed to that agency. Stored as
    /// the route `case.deliver`/agency; the replay publishes it to `case.ingress` with that agency
    /// as the only recipient owed a copy, and the router delivers it there once more.
    case inbox(String)

    /// `original`, `ingress` or `inbox:AGENCY`.
    public init(parsing text: String) throws {
        switch text {
        case "original": self = .original
        case "ingress": self = .ingress
        default:
            guard text.hasPrefix("inbox:") else {
                throw StoreError.invalidArgument("a replay target is original, ingress or inbox:AGENCY")
            }
            let agency = String(text.dropFirst("inbox:".count))
            guard Self.isAgencyID(agency) else { throw StoreError.invalidArgument("inbox:AGENCY needs an agency id such as abh.berlin") }
            self = .inbox(agency)
        }
    }

    public var description: String {
        switch self {
        case .original: "original"
        case .ingress: "ingress"
        case .inbox(let agency): "inbox:\(agency)"
        }
    }

    /// The exchange and routing key for one dead letter, or why it cannot go there.
    public func route(
        originalExchange: String?, originalRoutingKey: String?, eventType: String?, topology: ReplayTopology
    ) -> Result<ReplayRoute, ReplayRefusal> {
        switch self {
        case .original:
            if originalExchange == topology.deliverExchange {
                return ReplayTarget.inbox(originalRoutingKey ?? "").route(
                    originalExchange: originalExchange, originalRoutingKey: originalRoutingKey, eventType: eventType, topology: topology)
            }
            return ReplayTarget.ingress.route(
                originalExchange: originalExchange, originalRoutingKey: originalRoutingKey, eventType: eventType, topology: topology)
        case .ingress:
            if let originalExchange, originalExchange != topology.ingressExchange {
                return .failure(ReplayRefusal(
                    "it was a copy for one recipient (published to \(originalExchange)); replay it to its inbox instead"))
            }
            guard let key = originalRoutingKey ?? eventType, !key.isEmpty else {
                return .failure(ReplayRefusal("neither its original routing key nor its event type is known"))
            }
            return .success(ReplayRoute(exchange: topology.ingressExchange, routingKey: key))
        case .inbox(let agency):
            guard originalExchange == topology.deliverExchange, let key = originalRoutingKey, Self.isAgencyID(key) else {
                return .failure(ReplayRefusal(
                    "only a copy the router addressed to an agency may be sent to that agency alone; this one goes to all its recipients"))
            }
            guard agency.isEmpty || key == agency else {
                return .failure(ReplayRefusal("it was addressed to \(key), not to \(agency)"))
            }
            guard let type = eventType, !type.isEmpty else {
                return .failure(ReplayRefusal("its event type is not known, which the router needs"))
            }
            return .success(ReplayRoute(exchange: topology.ingressExchange, routingKey: type, recipient: key))
        }
    }

    static func isAgencyID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 100
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }
}

/// Why a dead letter cannot be replayed to a target.
public struct ReplayRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The exchange names replays publish to.
public struct ReplayTopology: Sendable, Hashable {
    public var ingressExchange: String
    public var deliverExchange: String

    public init(ingressExchange: String = "case.ingress", deliverExchange: String = "case.deliver") {
        self.ingressExchange = ingressExchange
        self.deliverExchange = deliverExchange
    }

    public static let standard = ReplayTopology()
}

/// An exchange and routing key, and for a copy sent to one agency again, that agency.
public struct ReplayRoute: Sendable, Hashable, CustomStringConvertible {
    public var exchange: String
    public var routingKey: String
    /// The one recipient the router is to deliver to (`x-drehscheibe-pending-recipients`);
    /// nil: all the recipients the routing rules choose.
    public var recipient: String?

    public init(exchange: String, routingKey: String, recipient: String? = nil) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.recipient = recipient
    }

    public var description: String { "\(exchange) → \(routingKey)" + (recipient.map { " (to \($0) only)" } ?? "") }
}

/// Which dead letters a replay takes.
public enum ReplaySelection: Sendable, Hashable, Codable {
    /// Exactly these; the replay is refused if one of them cannot be replayed.
    case ids([DeadLetterID])
    /// Every replayable dead letter matching the filter (the others are skipped).
    case filter(DeadLetterFilter)
}

/// A replay to plan or start.
public struct ReplayRequest: Sendable {
    public var selection: ReplaySelection
    public var target: ReplayTarget
    public var topology: ReplayTopology
    /// Messages per second at most; nil for as fast as confirms come back.
    public var rate: Double?
    public var actor: AuditActor
    public var reason: String?

    public init(
        selection: ReplaySelection, target: ReplayTarget = .original, topology: ReplayTopology = .standard, rate: Double? = nil,
        actor: AuditActor, reason: String? = nil
    ) {
        self.selection = selection
        self.target = target
        self.topology = topology
        self.rate = rate
        self.actor = actor
        self.reason = reason
    }
}

/// What a replay would do (`--dry-run`), and what a started one took.
public struct ReplayPlan: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var letter: DeadLetterSummary
        public var route: ReplayRoute
    }

    public var entries: [Entry]
    public var skipped: [ReplaySkip]
}

/// A dead letter a filtered replay left out, and why.
public struct ReplaySkip: Sendable, Hashable, Codable {
    public var id: DeadLetterID
    public var reason: String
}

public enum ReplayJobState: String, Sendable, Hashable, Codable {
    /// A runner works on it (or crashed while doing so: see `heartbeatAt`).
    case running
    /// Cancelled by its runner; resume it to go on.
    case paused
    /// Every item was published or failed.
    case completed
    /// Given up: unpublished items were released.
    case abandoned
}

public enum ReplayItemState: String, Sendable, Hashable, Codable {
    case pending
    /// Being published: if the runner died here, the publish may or may not have happened,
    /// so resuming publishes it again (same message id: receivers deduplicate).
    case publishing
    case published
    case failed
    case abandoned
}

/// One dead letter in a replay.
public struct ReplayItem: Sendable, Hashable {
    public var jobID: String
    public var deadLetterID: DeadLetterID
    public var position: Int
    public var route: ReplayRoute
    public var state: ReplayItemState
    public var attempts: Int
    public var updatedAt: Date
    /// Why it failed, or nil.
    public var outcome: String?
}

/// A replay: its selection, target and progress.
public struct ReplayJob: Sendable, Hashable {
    public var id: String
    public var createdAt: Date
    public var actor: AuditActor
    public var reason: String?
    public var target: ReplayTarget
    public var selection: ReplaySelection
    public var rate: Double?
    public var state: ReplayJobState
    public var runner: String?
    public var heartbeatAt: Date?
    public var finishedAt: Date?
    public var skipped: [ReplaySkip]
    /// Items per state.
    public var counts: [ReplayItemState: Int]

    public var total: Int { counts.values.reduce(0, +) }
    /// Items still to publish (pending, or interrupted while publishing).
    public var remaining: Int { (counts[.pending] ?? 0) + (counts[.publishing] ?? 0) }
}

/// What a runner needs to publish one item.
public struct ReplayPayload: Sendable {
    public var jobID: String
    public var deadLetterID: DeadLetterID
    public var messageID: String?
    public var body: [UInt8]
    public var properties: MessageProperties
    public var route: ReplayRoute
    /// 1 on the first try; more when a resumed replay publishes it again.
    public var attempt: Int
    /// The agency the hub vouches for as the original sender (``DeadLetter/sender``): the replay
    /// speaks for it and nobody else. Never read from the stored headers.
    public var sender: String?

    public init(
        jobID: String, deadLetterID: DeadLetterID, messageID: String?, body: [UInt8], properties: MessageProperties, route: ReplayRoute,
        attempt: Int, sender: String?
    ) {
        self.sender = sender
        self.jobID = jobID
        self.deadLetterID = deadLetterID
        self.messageID = messageID
        self.body = body
        self.properties = properties
        self.route = route
        self.attempt = attempt
    }
}

/// How a publish ended.
public enum ReplayOutcome: Sendable, Hashable {
    /// The broker confirmed it.
    case published
    /// Refused or not confirmed; the dead letter goes back to where it was.
    case failed(String)
}
