import CaseModel
import Foundation

/// A realistic day of case traffic through the hub, played against running adapters: the
/// twelve flows of the main job (`scripts/up`) and of the flow integration tests.
///
/// Where a flow needs an agency to act (the consulate to apply, the BKA to answer a security
/// check, the BA to decide), CaseTraffic plays that agency's clerk: it writes the document in
/// the agency's native format, drops it into the adapter's inbox directory, and waits for the
/// adapters' outboxes to show what the hub routed. Every case number and message id is new per
/// run, so the flows can be played again against the same hub.
public struct CaseTraffic: Sendable {
    /// One flow: a number, a title and what it plays.
    public struct Flow: Sendable {
        public let number: Int
        public let title: String
        let play: @Sendable (CaseTraffic) async throws -> Void
    }

    public let desks: [String: AdapterDesk]
    public let schemas: CaseSchemas
    /// How long to wait for each step.
    public let timeout: Duration
    let say: @Sendable (String) -> Void
    /// Moves the hub's deadline clock ahead by seconds (flow 6); nil where it cannot be moved.
    let moveDeadlineClock: (@Sendable (TimeInterval) throws -> Void)?

    /// `desks` by agency id; `say` prints what happens.
    public init(
        desks: [AdapterDesk], schemas: CaseSchemas, timeout: Duration = .seconds(60),
        moveDeadlineClock: (@Sendable (TimeInterval) throws -> Void)? = nil, say: @escaping @Sendable (String) -> Void
    ) {
        self.desks = Dictionary(desks.map { ($0.agency.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
        self.schemas = schemas
        self.timeout = timeout
        self.moveDeadlineClock = moveDeadlineClock
        self.say = say
    }

    /// The twelve flows, in order.
    public static let flows: [Flow] = [
        Flow(number: 1, title: "visa application at a consulate → § 73 security consultation of BKA, BfV and BPOL → the consulate learns the result") {
            try await $0.visaApplication()
        },
        Flow(number: 2, title: "employment consent requested by a foreigners' office → BA decides → office and register learn the decision") {
            try await $0.employmentConsent()
        },
        Flow(number: 3, title: "asylum seeker registered by the federal police from a passport MRZ → register, responsible office, BKA") {
            try await $0.asylumAtTheBorder()
        },
        Flow(number: 4, title: "a move: one foreigners' office requests and receives the case file from another") {
            try await $0.caseFileTransfer()
        },
        Flow(number: 5, title: "a broken document from an office → set aside locally; one the hub refuses → dead letter → receipt to the office") {
            try await $0.rejectedDocuments()
        },
        Flow(number: 6, title: "employment consent requested by an office → the BA stays silent → the hub's two-week period ends → consent deemed, to office, BA and register") {
            try await $0.deemedConsent()
        },
        Flow(number: 7, title: "a mission issues a visa → the visa file, the consenting office and the consulted agencies learn it, each what its grant allows") {
            try await $0.visaDecided()
        },
        Flow(number: 8, title: "the register confirms an office's registration with the AZR number and the match it found") {
            try await $0.registrationConfirmed()
        },
        Flow(number: 9, title: "asylum seeker registered by a Land police before allocation → BAMF's EASY names the reception centre → the centre assigns him to a municipality, whose office learns it") {
            try await $0.asylumAllocation()
        },
        Flow(number: 10, title: "a Duldung issued by an office and an Aufenthaltsgestattung issued by the BAMF reach the register (and the responsible office)") {
            try await $0.residenceStatus()
        },
        Flow(number: 11, title: "identity hits from the BKA: a Eurodac hit to the BAMF, a SIS entry ban to the office and the BAMF") {
            try await $0.identityHits()
        },
        Flow(number: 12, title: "a refusal of entry of a visa holder at the border → the register and the mission that issued the visa (no longer the Foreign Office)") {
            try await $0.entryRefused()
        },
    ]

    /// The agencies whose adapters a flow needs.
    public static func agencies(of flow: Int) -> [String] {
        switch flow {
        case 1: ["av.istanbul", "aa", "bva", "bka", "bfv", "bpol"]
        case 2: ["abh.berlin", "ba", "bva"]
        case 3: ["bpol", "bva", "abh.hamburg", "bka"]
        case 4: ["abh.berlin", "abh.koeln"]
        case 5: ["abh.muenchen"]
        case 6: ["abh.berlin", "ba", "bva"]
        case 7: ["av.lagos", "bva", "abh.muenchen", "bka", "bfv"]
        case 8: ["bva", "abh.hamburg"]
        case 9: ["lpol.by", "bva", "bamf", "bka", "ae.by", "abh.muenchen"]
        case 10: ["abh.koeln", "bva", "bamf"]
        case 11: ["bka", "bamf", "abh.berlin"]
        case 12: ["bpol", "bva", "av.istanbul"]
        default: []
        }
    }

    /// Plays one flow and prints what happens.
    public func play(_ flow: Flow) async throws {
        try await flow.play(self)
    }

    // MARK: - clerks' helpers

    func desk(_ agency: String) throws -> AdapterDesk {
        guard let desk = desks[agency] else { throw FlowError("no adapter for \(agency) is configured") }
        return desk
    }

    /// Makes an event as `agency`'s system would, and drops it as a native document.
    @discardableResult
    func send(
        from agency: String, _ type: String, subject: String, data: JSONObject, correlation: String? = nil,
        causation: String? = nil, legalPurpose: String? = nil, dueAt: String? = nil, format: NativeDocument.Format? = nil
    ) throws -> CaseEvent {
        let desk = try desk(agency)
        guard let entry = schemas.catalogue.entry(named: type) else { throw FlowError("\(type) is not in the catalogue") }
        let id = UUID().uuidString.lowercased()
        let draft = EventDraft(
            type: entry.current.type, subject: subject, data: data, id: id, time: EventDraft.timestamp(Date()),
            correlationID: correlation, causationID: causation, legalPurpose: legalPurpose, dueAt: dueAt)
        let event = try draft.event(source: desk.agency, catalogue: schemas.catalogue, fallbackID: id)
        let (file, _) = try desk.drop([event], as: format, name: "\(MessageNames.native(for: event.eventType))-\(id.prefix(8))")
        say(line(agency, "drops", "\(file)"))
        return event
    }

    /// Waits for a message of `type` about `subject` in `agency`'s outbox.
    func receive(_ agency: String, _ type: String, subject: String, where extra: @escaping @Sendable (EventDraft) -> Bool = { _ in true }) async throws -> AdapterDesk.Received {
        let received = try await desk(agency).awaitDocument(timeout: timeout) { draft in
            draft.type.name == type && draft.subject == subject && extra(draft)
        }
        say(line(agency, "receives", received.file))
        return received
    }

    func line(_ agency: String, _ verb: String, _ what: String) -> String {
        "    \(agency.padding(toLength: max(13, agency.count), withPad: " ", startingAt: 0)) \(verb.padding(toLength: max(9, verb.count), withPad: " ", startingAt: 0)) \(what)"
    }

    func note(_ text: String) { say("                            " + text) }

    /// A fresh six-digit serial for this run's case numbers.
    static func serial() -> String { String(format: "%06d", Int.random(in: 100_000...999_999)) }

    static var year: String { String(Calendar(identifier: .gregorian).component(.year, from: Date())) }

    static func today(offsetDays days: Int = 0) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/Berlin")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date().addingTimeInterval(Double(days) * 86_400))
    }
}
