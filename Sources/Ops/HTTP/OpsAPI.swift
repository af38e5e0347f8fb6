import CaseModel
import Foundation
import Hummingbird
import Logging
import NIOCore
import Store

/// The operations HTTP API (JSON under `/api/`), `/metrics`, `/healthz`, `/readyz` and the
/// dashboard. Every `/api/` route but login needs a session; what it may do is the role's.
/// Logging in is in OpsAPI+Login.swift.
public struct OpsAPI: Sendable {
    public struct Configuration: Sendable {
        /// Marks the session cookie `Secure`. Leave on behind TLS; browsers also accept it
        /// over plain HTTP on `localhost`.
        public var secureCookies: Bool

        public init(secureCookies: Bool = true) {
            self.secureCookies = secureCookies
        }
    }

    let operations: Operations
    let operators: OperatorDirectory
    let sessions: SessionStore
    let loginGuard: LoginGuard
    let hashing: PasswordHashing
    let queues: any QueueInspector
    let replays: ReplayCoordinator
    let metrics: OpsMetrics
    let readiness: [ReadinessFlag]
    let dashboard: Dashboard
    let configuration: Configuration
    let logger: Logger

    public init(
        operations: Operations, operators: OperatorDirectory, sessions: SessionStore = SessionStore(),
        loginGuard: LoginGuard = LoginGuard(), queues: any QueueInspector, replays: ReplayCoordinator, metrics: OpsMetrics,
        readiness: [ReadinessFlag] = [], dashboard: Dashboard, configuration: Configuration = Configuration(), logger: Logger
    ) {
        self.operations = operations
        self.operators = operators
        self.sessions = sessions
        self.loginGuard = loginGuard
        self.hashing = PasswordHashing(slots: loginGuard.limits.hashingSlots, queue: loginGuard.limits.hashingQueue)
        self.queues = queues
        self.replays = replays
        self.metrics = metrics
        self.readiness = readiness
        self.dashboard = dashboard
        self.configuration = configuration
        self.logger = logger
    }

    public func router() -> Router<OpsRequestContext> {
        let router = Router(context: OpsRequestContext.self)
        // HTTP request counts and durations, into whatever metrics backend the process bootstrapped.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: SessionMiddleware(sessions: sessions))

        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ in try await ready() }
        router.get("/metrics") { _, context in
            let text = await metrics.scrape(store: operations.store, queues: queues, logger: context.logger)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        dashboard.add(to: router)

        let api = router.group("api")
        api.post("login") { request, context in try await login(request, context) }
        api.post("logout") { request, context in logout(request, context) }
        api.get("session") { _, context in
            guard let session = context.session else { throw OpsError(.unauthenticated, "log in first") }
            return try jsonResponse(API.SessionInfo(session))
        }
        api.get("queues") { _, context in
            let op = try context.requireOperator()
            try await operations.require(.viewQueues, by: op, attempting: "queues", on: "queues")
            return try jsonResponse(try await queues.overview())
        }
        api.get("dead-letters") { request, context in try await listDeadLetters(request, context) }
        api.get("dead-letters/:id") { request, context in
            let op = try context.requireOperator()
            let reveal = request.uri.queryParameters.get("reveal") == "true"
            return try jsonResponse(try await operations.deadLetter(try deadLetterID(context), revealPersonalData: reveal, by: op))
        }
        api.post("dead-letters/:id/edit") { request, context in try await edit(request, context) }
        api.post("dead-letters/:id/discard") { request, context in
            let op = try context.requireOperator()
            let body = try await request.decode(as: API.Discard.self, context: context)
            let letter = try await operations.discard(try deadLetterID(context), reason: body.reason, by: op)
            return try jsonResponse(DeadLetterView(letter, revealPersonalData: false, mask: operations.mask))
        }
        api.get("replays") { _, context in
            try jsonResponse(try await operations.replayJobs(by: try context.requireOperator()).map(API.Job.init))
        }
        api.post("replays") { request, context in try await startReplay(request, context) }
        api.get("replays/:job") { _, context in
            try jsonResponse(API.Job(try await operations.replayJob(try context.parameters.require("job"), by: try context.requireOperator())))
        }
        api.post("replays/:job/cancel") { _, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("job")
            try await operations.require(.replay, by: op, attempting: "replay.cancel", on: "replay:\(id)")
            guard await replays.cancel(id) else { throw StoreError(.conflict, "replay \(id) is not running in this server") }
            return try jsonResponse(API.Job(try await operations.replayJob(id, by: op)))
        }
        api.post("replays/:job/resume") { _, context in
            let op = try context.requireOperator()
            let job = try await operations.resumeReplay(try context.parameters.require("job"), runner: replays.runner, by: op)
            try replays.launch(job)
            return try jsonResponse(API.Job(job))
        }
        api.post("replays/:job/abandon") { request, context in
            let op = try context.requireOperator()
            let body = try await request.decode(as: API.Reason.self, context: context)
            return try jsonResponse(API.Job(try await operations.abandonReplay(try context.parameters.require("job"), reason: body.reason, by: op)))
        }
        api.get("trace") { request, context in
            guard let caseID = request.uri.queryParameters.get("case"), !caseID.isEmpty else {
                throw OpsError(.invalidRequest, "name the case: /api/trace?case=CASE_ID")
            }
            return try jsonResponse(API.Trace(try await operations.trace(caseID, by: try context.requireOperator())))
        }
        api.get("deadlines") { request, context in
            let query = request.uri.queryParameters
            var state: Deadline.State?
            if let text = query.get("state"), !text.isEmpty {
                guard let known = Deadline.State(rawValue: text) else {
                    throw OpsError(.invalidRequest, "state is one of \(Deadline.State.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                state = known
            }
            let filter = DeadlineFilter(
                state: state, caseID: query.get("case").flatMap { $0.isEmpty ? nil : $0 }, actor: query.get("actor").flatMap { $0.isEmpty ? nil : $0 },
                limit: min(max(query.get("limit", as: Int.self) ?? 200, 1), 1000))
            return try jsonResponse(try await operations.deadlines(filter, by: try context.requireOperator()))
        }
        api.get("audit") { request, context in
            let after = request.uri.queryParameters.get("after", as: Int64.self) ?? 0
            let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 100
            return try jsonResponse(try await operations.auditRecords(after: after, limit: limit, by: try context.requireOperator()).map(API.AuditRow.init))
        }
        api.get("audit/verify") { request, context in
            let anchor = try request.uri.queryParameters.get("anchor").map { try AuditAnchor(parsing: $0) }
            return try jsonResponse(API.Verification(try await operations.verifyAudit(anchor: anchor, by: try context.requireOperator())))
        }
        return router
    }

    // MARK: - Handlers

    func ready() async throws -> Response {
        var failing = readiness.filter { !$0.isReady }.map(\.name)
        if (try? await operations.store.deadLetterCounts()) == nil { failing.append("store") }
        if !replays.isConnected { failing.append("replay-publisher") }
        guard failing.isEmpty else {
            return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "not ready: \(failing.joined(separator: ", "))\n")))
        }
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
    }

    func logout(_ request: Request, _ context: OpsRequestContext) -> Response {
        if let token = request.cookies[SessionMiddleware.cookieName]?.value { sessions.end(token) }
        var response = Response(status: .noContent)
        response.setCookie(Cookie(
            name: SessionMiddleware.cookieName, value: "", maxAge: 0, path: "/", secure: configuration.secureCookies, httpOnly: true,
            sameSite: .strict))
        return response
    }

    func listDeadLetters(_ request: Request, _ context: OpsRequestContext) async throws -> Response {
        let op = try context.requireOperator()
        let query = request.uri.queryParameters
        func date(_ name: String) throws -> Date? {
            guard let text = query.get(name), !text.isEmpty else { return nil }
            guard let date = ISO8601DateFormatter().date(from: text) else { throw OpsError(.invalidRequest, "\(name) is an ISO 8601 date-time") }
            return date
        }
        let filter = try API.Filter(
            errorCode: query.get("errorCode"), eventType: query.get("eventType"), sourceAgency: query.get("sourceAgency"),
            caseID: query.get("caseID"), states: query.get("state").map { $0.split(separator: ",").map(String.init) },
            from: try date("from"), to: try date("to")
        ).storeFilter()
        let page = try await operations.deadLetters(
            matching: filter, offset: query.get("offset", as: Int.self) ?? 0, limit: query.get("limit", as: Int.self) ?? 50, by: op)
        return try jsonResponse(API.DeadLetterList(page))
    }

    /// `{"patch": [RFC 6902 operations], "reason": "…"}`, read with the strict parser so the
    /// values keep their exact form and member order.
    func edit(_ request: Request, _ context: OpsRequestContext) async throws -> Response {
        let op = try context.requireOperator()
        let id = try deadLetterID(context)
        let buffer = try await request.body.collect(upTo: 1 << 20)
        let document: JSONValue
        do {
            document = try JSONParser().parse(Array(buffer.readableBytesView))
        } catch {
            throw OpsError(.invalidRequest, "the body is not JSON: \(error.code.rawValue)")
        }
        guard let patch = document["patch"] else { throw OpsError(.invalidRequest, "send {\"patch\": [...], \"reason\": \"...\"}") }
        let parsed = try JSONPatch(parsing: patch.serialized())
        let letter = try await operations.edit(id, patch: parsed, reason: document["reason"]?.stringValue, by: op)
        return try jsonResponse(DeadLetterView(letter, revealPersonalData: true, mask: operations.mask))
    }

    func startReplay(_ request: Request, _ context: OpsRequestContext) async throws -> Response {
        let op = try context.requireOperator()
        let body = try await request.decode(as: API.ReplayStart.self, context: context)
        let selection: ReplaySelection
        switch (body.ids, body.filter) {
        case (let ids?, nil): selection = .ids(ids.map { DeadLetterID($0) })
        case (nil, let filter?): selection = .filter(try filter.storeFilter())
        default: throw OpsError(.invalidRequest, "name either ids or a filter")
        }
        let request = ReplayRequest(
            selection: selection, target: try ReplayTarget(parsing: body.target ?? "original"), topology: operations.topology,
            rate: body.rate, actor: op.actor, reason: body.reason)
        if body.dryRun == true {
            return try jsonResponse(API.Plan(try await operations.planReplay(request, by: op)))
        }
        let job = try await operations.startReplay(request, runner: replays.runner, by: op)
        try replays.launch(job)
        return try jsonResponse(API.Job(job), status: .accepted)
    }

    func deadLetterID(_ context: OpsRequestContext) throws -> DeadLetterID {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw OpsError(.invalidRequest, "a dead-letter id is a number") }
        return DeadLetterID(id)
    }
}
