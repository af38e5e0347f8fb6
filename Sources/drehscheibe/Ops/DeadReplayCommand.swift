import AMQP
import ArgumentParser
import Dispatch
import Foundation
import Ops
import Store

/// `drehscheibe dead replay`: republish dead letters, one, many by filter, or all.
struct DeadReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay dead letters: by id, by filter, or all; --dry-run first.",
        discussion: """
            Replays go where the message failed (--to original: the ingress, so the router runs again; or, for a copy \
            that failed delivery, that agency's inbox), or explicitly --to ingress / --to inbox:AGENCY. A replayed message \
            keeps its message id (the router's dedupe protects recipients) and carries x-drehscheibe-replayed: true and \
            x-drehscheibe-replay-id. Each message's state is recorded before and after its confirmed publish: Ctrl-C \
            stops after the message in flight, and --resume REPLAY_ID goes on without losing or doubling a message. \
            The AMQP user should be drehscheibe-ops.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var filters: DeadLetterFilterOptions
    @Argument(help: "Dead-letter ids to replay (or use filters, or --all).") var ids: [Int64] = []
    @Flag(help: "Every replayable dead letter.") var all = false
    @Option(help: "original (default), ingress, or inbox:AGENCY.") var to = "original"
    @Option(help: "At most this many messages per second.") var rate: Double?
    @Option(help: "Why (recorded in the audit log).") var reason: String?
    @Flag(name: .customLong("dry-run"), help: "Show what would be replayed where; change nothing.") var dryRun = false
    @Option(help: "Go on with a paused (or crashed) replay.") var resume: String?
    @Option(name: .customLong("stale-after"), help: "With --resume: take over a replay whose runner was silent this many seconds.")
    var staleAfter = 60
    @Option(help: "Give up a paused replay: its unpublished dead letters are released.") var abandon: String?

    func validate() throws {
        let modes = [!ids.isEmpty || all || !filters.isEmpty, resume != nil, abandon != nil].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("name dead letters (ids, filters or --all), or --resume ID, or --abandon ID") }
        guard !(all && (!ids.isEmpty || !filters.isEmpty)) else { throw ValidationError("--all replays everything; leave out ids and filters") }
        guard ids.isEmpty || filters.isEmpty else { throw ValidationError("name ids or filters, not both") }
        if abandon != nil, (reason ?? "").isEmpty { throw ValidationError("--abandon needs --reason") }
    }

    func run() async throws {
        let logger = OpsCLI.logger("drehscheibe.replay")
        let op = OpsCLI.cliOperator
        let amqp = try connection.configuration(name: "drehscheibe dead replay")
        let host = ProcessInfo.processInfo.hostName
        let runner = "cli-\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
        try await store.withHubStore(logger: logger) { store in
            let operations = try OpsCLI.operations(store: store, logger: logger)
            if let abandon {
                let job = try await operations.abandonReplay(abandon, reason: reason ?? "", by: op)
                print("replay \(job.id) abandoned; \(job.counts[.abandoned] ?? 0) dead letter(s) released")
                return
            }
            let job: ReplayJob
            if let resume {
                job = try await operations.resumeReplay(resume, runner: runner, staleAfter: .seconds(staleAfter), by: op)
                print("resuming replay \(job.id): \(job.remaining) of \(job.total) to go")
            } else {
                let selection: ReplaySelection = ids.isEmpty ? .filter(try filters.filter()) : .ids(ids.map { DeadLetterID($0) })
                let request = ReplayRequest(
                    selection: selection, target: try ReplayTarget(parsing: to), topology: .standard, rate: rate, actor: op.actor, reason: reason)
                if dryRun {
                    let plan = try await operations.planReplay(request, by: op)
                    OpsCLI.printTable(
                        ["ID", "MESSAGE ID", "CASE", "TO"],
                        plan.entries.map { [String($0.letter.id.rawValue), $0.letter.messageID ?? "-", $0.letter.caseID ?? "-", $0.route.description] })
                    for skip in plan.skipped { print("skip \(skip.id): \(skip.reason)") }
                    print("(dry run: \(plan.entries.count) would be replayed, \(plan.skipped.count) skipped; nothing changed)")
                    return
                }
                job = try await operations.startReplay(request, runner: runner, by: op)
                print("replay \(job.id): \(job.total) message(s) to \(job.target)\(job.skipped.isEmpty ? "" : ", \(job.skipped.count) skipped")")
                for skip in job.skipped { print("  skipped \(skip.id): \(skip.reason)") }
            }
            let connection = try await Connection.connect(amqp, logger: logger)
            let replayer = Replayer(store: store, publisher: try await AMQPReplayPublisher(connection: connection), runner: runner, logger: logger)
            let finished = try await Self.untilInterrupted {
                try await replayer.run(job) { progress in
                    switch progress.result {
                    case .confirmed: print("  \(progress.deadLetterID) published")
                    case .rejected(let why): print("  \(progress.deadLetterID) FAILED: \(why)")
                    case .interrupted(let why): print("  \(progress.deadLetterID) interrupted: \(why)")
                    }
                }
            }
            await connection.close()
            switch finished.state {
            case .completed:
                print("replay \(finished.id) completed: \(finished.counts[.published] ?? 0) published, \(finished.counts[.failed] ?? 0) failed")
            default:
                print("replay \(finished.id) \(finished.state.rawValue) with \(finished.remaining) to go; continue with: drehscheibe dead replay --resume \(finished.id)")
            }
        }
    }

    /// Runs `body`, cancelling it on SIGINT or SIGTERM (the replay then stops after the
    /// message in flight and records where it stopped).
    static func untilInterrupted<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        defer { for source in sources { source.cancel() } }
        return try await task.value
    }
}
