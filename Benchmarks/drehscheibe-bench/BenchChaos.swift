import AMQP
import ArgumentParser
import CaseModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Router
import Store
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `drehscheibe-bench chaos` (run through `scripts/chaos`): steady case traffic from two
/// missions through the three-node cluster, two routers (one active per shard, the other hot
/// standby) and the operations server on PostgreSQL, while one fault after another is
/// injected (``ChaosFault``). At the end it drains every inbox and the dead-letter store and
/// prints a table per fault and, as its last line, one JSON object: `sent`, `delivered`,
/// `lost`, `duplicates`, `dead_letters_expected`, `dead_letters_stored`, the faults and the
/// figures per phase. A share of the traffic is invalid, so the dead-letter path is checked
/// under the faults too. Exits non-zero when anything was lost or duplicated.
struct BenchChaos: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos", abstract: "Case traffic through the cluster while faults are injected; nothing may be lost or duplicated.")

    @Option(help: "Seconds of traffic in each phase (the first phase has no fault).") var seconds = 30
    @Option(help: "Seconds PostgreSQL stays stopped.") var storeOutage = 30
    @Option(help: "Seconds the memory alarm lasts.") var alarm = 20
    @Option(help: "Messages per second, both missions together.") var rate = 30.0
    @Option(name: .customLong("invalid-share"), help: "Share of invalid messages (dead letters).") var invalidShare = 0.1
    @Option(help: "Faults in order, comma-separated.") var faults = ChaosFault.allCases.map(\.rawValue).joined(separator: ",")
    @Option(help: "The traffic's seed (printed).") var seed: UInt64?
    @Option(name: .customLong("drain-seconds"), help: "How long the drain may wait without progress.") var drainSeconds = 180
    @Option(help: "PostgreSQL URL of the store (default: $DREHSCHEIBE_CHAOS_STORE).") var store: String?
    @Option(help: "The Schemas/ directory.") var schemas: String?
    @Option(help: "Directory for the children's logs and the operators file.") var state = ".state/chaos"
    @Flag(help: "Instead of faults: routed msg/s through the cluster with one router and with two.") var throughput = false
    @Option(help: "Messages per throughput round.") var messages = 4000

    static let missions = ["av.istanbul", "av.lagos"]
    /// visa.application-submitted goes to the register and the Foreign Office.
    static let recipients = ["bva", "aa"]
    static let opsPort = 8490

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let storeURL = store ?? environment["DREHSCHEIBE_CHAOS_STORE"], storeURL.hasPrefix("postgres") else {
            throw BenchError("the chaos suite needs PostgreSQL: --store postgres://… or DREHSCHEIBE_CHAOS_STORE (scripts/chaos sets it)")
        }
        let order = try faults.split(separator: ",").map { name in
            guard let fault = ChaosFault(rawValue: String(name)) else {
                throw BenchError("unknown fault \(name) (known: \(ChaosFault.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return fault
        }
        let seed = self.seed ?? UInt64.random(in: 1...UInt64.max)
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let scripts = ChaosScripts(root: root)
        let schemasDirectory = SchemasLocation.directory(schemas)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        progress("seed \(seed) (rerun with --seed \(seed)); faults: \(order.map(\.rawValue).joined(separator: ", "))")

        let admin = try await scripts.urls("drehscheibe-admin")
        try await purge(admin)
        let hub = ChaosHub(scripts: scripts, store: storeURL, state: state)
        if throughput {
            try await measureThroughput(hub: hub, scripts: scripts, admin: admin, schemas: schemasDirectory)
            return
        }
        try await hub.start()

        let ledger = ChaosLedger(recipients: Self.recipients)
        let stopped = Atomic<Bool>(false)
        let stop: @Sendable () -> Bool = { stopped.load(ordering: .relaxed) }
        let reader = ChaosReader(url: admin, inboxes: (Self.recipients + Self.missions).map { "inbox.\($0)" })
        var seeds = SeededRandom(seed: seed)
        var publishers: [ChaosPublisher] = []
        for mission in Self.missions {
            publishers.append(ChaosPublisher(
                agency: mission, url: try await scripts.urls(mission), schemas: schemasDirectory,
                rate: rate / Double(Self.missions.count), invalidShare: invalidShare, seed: seeds.next()))
        }

        // Each phase's fault and length; its figures are read once everything drained.
        var phasesRun: [(fault: ChaosFault?, seconds: Double)] = []
        let outcome: Result<Void, any Error>
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await reader.run(ledger: ledger, until: stop) }
                for publisher in publishers { group.addTask { try await publisher.run(ledger: ledger, until: stop) } }
                let phases: [ChaosFault?] = [nil] + order
                var random = SeededRandom(seed: seed ^ 0x5EED)
                for (index, fault) in phases.enumerated() {
                    ledger.phase = index
                    let started = ContinuousClock.now
                    progress("phase \(index) \(fault?.rawValue ?? "baseline"): \(fault?.summary ?? "no fault")")
                    try await inject(fault, hub: hub, scripts: scripts, random: &random)
                    let rest = Duration.seconds(seconds) - started.duration(to: .now)
                    if rest > .zero { try await Task.sleep(for: rest) }
                    phasesRun.append((fault, Double(started.duration(to: .now).components.seconds)))
                }
                ledger.phase = phases.count
                stopped.store(true, ordering: .relaxed)
                // The publishers end with their last message confirmed; the reader keeps reading.
                progress("traffic stopped after \(ledger.publishAttempts) publish attempts; draining")
                try await drain(ledger)
                group.cancelAll()
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        stopped.store(true, ordering: .relaxed)
        let stored = try? await storedDeadLetters(storeURL, among: ledger.invalidIDs)
        await hub.stop()
        try outcome.get()

        let total = ledger.figures(phase: nil)
        let figuresByPhase = phasesRun.indices.map { ledger.figures(phase: $0) }
        print("")
        print("phase  fault               sent  invalid  copies  lost  dup  max delay  p50 delay  seconds")
        for (index, entry) in phasesRun.enumerated() {
            let figures = figuresByPhase[index]
            let name = (entry.fault?.rawValue ?? "baseline").padding(toLength: 18, withPad: " ", startingAt: 0)
            print(String(
                format: "%5d  %@ %5d  %7d  %6d  %4d  %3d  %8.1fs  %8.2fs  %7.0f", index, name as NSString,
                figures.sent, figures.invalid, figures.deliveredCopies, figures.lostCopies, figures.duplicates,
                figures.maxDelay.seconds, figures.p50.seconds, entry.seconds))
        }
        let deadLettersStored = stored ?? -1
        print(String(format: "total  %@ %5d  %7d  %6d  %4d  %3d  %8.1fs", String(repeating: " ", count: 18) as NSString, total.sent, total.invalid, total.deliveredCopies,
                     total.lostCopies, total.duplicates, total.maxDelay.seconds))
        print("dead letters: \(total.invalid) expected, \(deadLettersStored) stored")
        let summary: JSONValue = [
            "sent": .number(JSONNumber(total.sent)), "delivered": .number(JSONNumber(total.deliveredCopies)), "lost": .number(JSONNumber(total.lostCopies)),
            "duplicates": .number(JSONNumber(total.duplicates)), "dead_letters_expected": .number(JSONNumber(total.invalid)),
            "dead_letters_stored": .number(JSONNumber(deadLettersStored)), "seed": .string(String(seed)),
            "faults": .array(order.map { .string($0.rawValue) }),
            "phases": .array(phasesRun.enumerated().map { index, entry in
                let figures = figuresByPhase[index]
                return [
                    "fault": .string(entry.fault?.rawValue ?? "baseline"), "sent": .number(JSONNumber(figures.sent)),
                    "lost": .number(JSONNumber(figures.lostCopies)), "duplicates": .number(JSONNumber(figures.duplicates)),
                    "max_delay_s": .number(JSONNumber((figures.maxDelay.seconds * 10).rounded() / 10) ?? 0),
                    "p50_delay_s": .number(JSONNumber((figures.p50.seconds * 100).rounded() / 100) ?? 0),
                ]
            }),
        ]
        print(summary.serializedString())
        guard total.lostCopies == 0, total.duplicates == 0, deadLettersStored == total.invalid else {
            throw ExitCode(1)
        }
    }

    /// Routed msg/s on the cluster with one router and with two: each round publishes
    /// `messages` valid applications while no router runs, then starts the routers and times
    /// the drain from the moment all are ready until every copy is in its inbox. With single
    /// active consumer per shard a second router is a standby, so the figures should match;
    /// more throughput needs more shards (docs/production.md).
    func measureThroughput(hub: ChaosHub, scripts: ChaosScripts, admin: String, schemas: URL) async throws {
        try await hub.prepare()
        var rates: [Int: Double] = [:]
        for routers in [1, 2] {
            try await purge(admin)
            let ledger = ChaosLedger(recipients: Self.recipients)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for mission in Self.missions {
                    let url = try await scripts.urls(mission)
                    let count = messages / Self.missions.count
                    group.addTask {
                        let source = try NeighbourMessages(agency: mission, schemas: schemas)
                        let connection = try await Connection.connect(try ConnectionConfiguration(url: url))
                        let channel = try await connection.openChannel()
                        for _ in 0..<count {
                            let message = source.message(.valid)
                            ledger.attempt(message.properties.messageID ?? "", valid: true)
                            try await channel.publish(message, exchange: "case.ingress", routingKey: source.type)
                        }
                        await connection.close()
                    }
                }
                try await group.waitForAll()
            }
            let stopped = Atomic<Bool>(false)
            let reader = ChaosReader(url: admin, inboxes: Self.recipients.map { "inbox.\($0)" })
            let reading = Task { try await reader.run(ledger: ledger, until: { stopped.load(ordering: .relaxed) }) }
            try await hub.startRouters(routers)
            let started = ContinuousClock.now
            let deadline = started.advanced(by: .seconds(drainSeconds))
            while ledger.missingCopies > 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            let seconds = started.duration(to: .now).seconds
            stopped.store(true, ordering: .relaxed)
            _ = try? await reading.value
            await hub.stopRouters()
            guard ledger.missingCopies == 0 else { throw BenchError("\(ledger.missingCopies) copies missing after \(drainSeconds) s") }
            rates[routers] = Double(messages) / seconds
            progress("\(routers) router(s): \(messages) messages routed in \(String(format: "%.1f", seconds)) s")
        }
        let one = rates[1] ?? 0, two = rates[2] ?? 0
        print("routers  msg/s")
        print(String(format: "      1  %5.0f", one))
        print(String(format: "      2  %5.0f", two))
        print(String(format: "two / one: %.2f", two / max(one, 1)))
        let summary: JSONValue = [
            "messages": .number(JSONNumber(messages)), "one_router_msg_s": .number(JSONNumber(one.rounded()) ?? 0),
            "two_routers_msg_s": .number(JSONNumber(two.rounded()) ?? 0), "ratio": .number(JSONNumber((two / max(one, 1) * 100).rounded() / 100) ?? 0),
        ]
        print(summary.serializedString())
    }

    /// Queues of a previous run are emptied: the suite counts only its own messages.
    func purge(_ url: String) async throws {
        let connection = try await Connection.connect(try ConnectionConfiguration(url: url))
        let channel = try await connection.openChannel(publisherConfirms: false)
        for queue in (Self.recipients + Self.missions).map({ "inbox.\($0)" }) + (0..<4).map({ "router.ingress.\($0)" }) + ["dead.letters"] {
            _ = try? await channel.purgeQueue(queue)
        }
        await connection.close()
    }

    func inject(_ fault: ChaosFault?, hub: ChaosHub, scripts: ChaosScripts, random: inout SeededRandom) async throws {
        guard let fault else { return }
        switch fault {
        case .leaderKill:
            let node = try await scripts.leader(of: "router.ingress.0")
            try await scripts.run(scripts.cluster, ["kill", String(node)])
            try await Task.sleep(for: .seconds(min(15, seconds / 2)))
            try await scripts.run(scripts.cluster, ["restart", String(node)])
        case .routerKill:
            for _ in 0..<3 {
                try await Task.sleep(for: .milliseconds(500 + Int(random.next() % UInt64(max(1, seconds * 200)))))
                try await hub.killRouter(Int(random.next() % 2))
            }
        case .storeOutage:
            try await scripts.run(scripts.postgres, ["stop"])
            try await Task.sleep(for: .seconds(storeOutage))
            try await scripts.run(scripts.postgres, ["start"])
        case .connectionsClosed:
            for node in 1...3 {
                try await scripts.run(scripts.cluster, ["ctl", String(node), "close_all_connections", "--global", "chaos: every connection closed"])
            }
        case .memoryAlarm:
            try await scripts.run(scripts.cluster, ["ctl", "1", "set_vm_memory_high_watermark", "absolute", "1MB"])
            try await Task.sleep(for: .seconds(alarm))
            try await scripts.run(scripts.cluster, ["ctl", "1", "set_vm_memory_high_watermark", "0.4"])
        case .opsKill:
            for _ in 0..<2 {
                try await Task.sleep(for: .milliseconds(1_000 + Int(random.next() % 3_000)))
                try await hub.killOps()
            }
        }
    }

    /// Waits until every valid message reached every recipient, or until the drain makes no
    /// progress for `drainSeconds`.
    func drain(_ ledger: ChaosLedger) async throws {
        var missing = ledger.missingCopies
        var lastProgress = ContinuousClock.now
        while missing > 0 && lastProgress.duration(to: .now) < .seconds(drainSeconds) {
            try await Task.sleep(for: .seconds(1))
            let now = ledger.missingCopies
            if now < missing { lastProgress = .now }
            missing = now
        }
        progress("drained, \(missing) copies missing")
    }

    /// How many of the invalid messages the dead-letter store holds (each id once), waiting up
    /// to `drainSeconds` for the operations server to store the last of them.
    func storedDeadLetters(_ url: String, among ids: Set<String>) async throws -> Int {
        try await HubStore.withStore(try StoreLocation(parsing: url), logger: Logger(label: "chaos.store")) { store in
            var found: Set<String> = []
            let deadline = ContinuousClock.now.advanced(by: .seconds(drainSeconds))
            repeat {
                found = []
                var offset = 0
                while true {
                    let page = try await store.deadLetters(matching: DeadLetterFilter(), offset: offset, limit: 500)
                    for item in page.items { if let id = item.messageID, ids.contains(id) { found.insert(id) } }
                    offset += page.items.count
                    if page.items.isEmpty || offset >= page.total { break }
                }
                if found.count >= ids.count { break }
                try await Task.sleep(for: .seconds(2))
            } while ContinuousClock.now < deadline
            return found.count
        }
    }
}

/// The hub's processes under test: two routers and the operations server, children of this
/// process (kill -9 and restart are the faults).
actor ChaosHub {
    let scripts: ChaosScripts
    let store: String
    let state: String
    private var routers: [BenchChild?] = [nil, nil]
    private var ops: BenchChild?
    private var routerURL = ""
    private var opsURL = ""

    init(scripts: ChaosScripts, store: String, state: String) {
        self.scripts = scripts
        self.store = store
        self.state = state
    }

    /// Two routers and the operations server, each ready.
    func start() async throws {
        try await prepare()
        try await startOps()
        try await startRouters(2)
        try await Self.waitReady(port: BenchChaos.opsPort)
    }

    /// Logins and the operators file, without starting anything.
    func prepare() async throws {
        routerURL = try await scripts.urls("drehscheibe-router")
        opsURL = try await scripts.urls("drehscheibe-ops")
        try await writeOperators()
    }

    /// Starts `count` routers and waits until each is ready.
    func startRouters(_ count: Int) async throws {
        for index in 0..<count { try await startRouter(index) }
        for index in 0..<count { try await Self.waitReady(port: 9611 + index) }
    }

    func stopRouters() async {
        for index in routers.indices {
            if let router = routers[index] { _ = await router.terminate() }
            routers[index] = nil
        }
    }

    func startRouter(_ index: Int) async throws {
        routers[index] = try BenchChild(
            arguments: ["router", "--store", store, "--metrics-port", String(9611 + index)],
            environment: ["DREHSCHEIBE_AMQP_URL": routerURL], log: "\(state)/router-\(index + 1).log")
    }

    func startOps() async throws {
        ops = try BenchChild(
            arguments: ["ops", "serve", "--store", store, "--port", String(BenchChaos.opsPort), "--operators", "\(state)/operators.json",
                        "--audit-checkpoints", "\(state)/audit-checkpoints"],
            environment: ["DREHSCHEIBE_AMQP_URL": opsURL], log: "\(state)/ops.log")
    }

    func killRouter(_ index: Int) async throws {
        if let router = routers[index] { _ = await router.killHard() }
        progress("  router \(index + 1) killed (-9), restarted")
        try await startRouter(index)
    }

    func killOps() async throws {
        if let ops { _ = await ops.killHard() }
        progress("  operations server killed (-9), restarted")
        try await startOps()
    }

    func stop() async {
        for router in routers { if let router { _ = await router.terminate() } }
        if let ops { _ = await ops.terminate() }
    }

    /// An operators file with one operator whose random password nobody needs.
    private func writeOperators() async throws {
        let path = "\(state)/operators.json"
        guard !FileManager.default.fileExists(atPath: path) else { return }
        let hash = PasswordHash.make(UUID().uuidString)
        let json = "{\"operators\": [{\"name\": \"chaos\", \"role\": \"admin\", \"passwordHash\": \"\(hash)\"}]}\n"
        _ = FileManager.default.createFile(atPath: path, contents: Data(json.utf8), attributes: [.posixPermissions: 0o600])
    }

    static func waitReady(port: Int) async throws {
        let url = URL(string: "http://127.0.0.1:\(port)/readyz")!
        let deadline = ContinuousClock.now.advanced(by: .seconds(120))
        while ContinuousClock.now < deadline {
            if let (_, response) = try? await URLSession.shared.data(from: url), (response as? HTTPURLResponse)?.statusCode == 200 { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw BenchError("nothing ready on port \(port) after 120 s (logs in .state/chaos/)")
    }
}

/// Progress on standard error, as it happens (the table and the JSON go to standard output).
func progress(_ line: String) {
    FileHandle.standardError.write(Data(("chaos: " + line + "\n").utf8))
}
