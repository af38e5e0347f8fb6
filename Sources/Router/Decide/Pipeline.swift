import AMQP
import CaseModel
import Foundation

/// The router's decisions as pure functions: no I/O, no clock but the one passed in, no
/// state but the rules. The service around it does the AMQP and the ledger.
///
/// `admit` runs decode → authenticate → validate; the service then asks the ledger (dedupe);
/// `route` runs transform → route → project and returns the copies to deliver.
public struct Pipeline: Sendable {
    public var rules: RouterRules
    public var configuration: PipelineConfiguration

    public init(rules: RouterRules, configuration: PipelineConfiguration = PipelineConfiguration()) {
        self.rules = rules
        self.configuration = configuration
    }

    /// A message that passed decode, authenticate and validate.
    public struct Admitted: Sendable {
        public var event: CaseEvent
        public var type: EventTypeName
        public var context: MessageContext
        /// The body as the sender sent it: a copy that needs no change carries these bytes.
        public var body: [UInt8]
        /// The authenticated sender (`context.sender`), parsed once.
        public var sender: AgencyID
        /// The event's ``CaseModel/CaseEvent/amqpAttributes``, computed once (checked against
        /// the inbound properties, then carried by the copies).
        public var attributes: AMQPAttributes
    }

    /// One recipient copy, ready to publish.
    public struct Copy: Sendable {
        public var recipient: String
        public var projection: String
        /// The grant's legal basis (a legal-purpose code), also the copy's `legalpurpose`.
        public var legalBasis: String
        public var type: String
        public var message: Message
    }

    /// The outcome of `route`: the copies, in recipient order.
    public struct Routed: Sendable {
        public var copies: [Copy]
        public var context: MessageContext
        /// Every recipient the rules chose (on a retry, copies go only to the pending ones).
        public var recipients: [String]
        /// Set when the message may open or answer a statutory period (``DeadlineRules``); the
        /// planner asks it once it knows which copies go out.
        public var deadlines: DeadlineInput?
    }

    /// A routed message that opens or answers deadlines, with the rules it does so by.
    public struct DeadlineInput: Sendable {
        public var event: CaseEvent
        public var type: EventTypeName
        public var sender: String
        public var rules: DeadlineRules

        /// The deadlines opened and answered when the copies for `delivered` go out at `received`.
        public func events(delivered: [String], received: Date) -> [DeadlineEvent] {
            rules.events(for: event, type: type, sender: sender, recipients: delivered, received: received)
        }
    }
}

/// Limits and identities the pipeline needs; configuration, not rules.
public struct PipelineConfiguration: Sendable {
    public var maximumBytes = 1 << 20
    public var parserLimits = JSONParser.Limits()
    /// The router's broker user: output copies carry it as user_id (RabbitMQ checks it).
    public var brokerUser = "drehscheibe-router"
    /// Broker users allowed to republish on behalf of an agency (with x-drehscheibe-sender).
    public var trustedRelays: Set<String> = ["drehscheibe-router", "drehscheibe-ops"]
    public var routerVersion = RouterVersion.current

    public init() {}
}

public enum RouterVersion {
    public static let current = "0.1.0"
}
