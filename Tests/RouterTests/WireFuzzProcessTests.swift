import AMQP
import CaseModel
import Foundation
import Logging
import Store
import Synchronization
import Testing
import TestSupport

/// The trust boundary end to end: the router and the operations server as processes, one
/// partner agency publishing thousands of messages with randomly built properties and header
/// tables. Afterwards both processes still run, every message the broker accepted was either
/// routed or is in the dead-letter store, none that carried a hub header was routed, and a
/// valid message still flows.
@Suite("Generative header and property fuzz against the real router and operations server", .serialized)
struct WireFuzzProcessTests {
    static let agency = "av.istanbul"
    static let type = "de.migration.visa.application-submitted.v1"

    /// What happened to one published message at the broker.
    enum Publish { case accepted(hubHeaders: Bool), refused }

    @Test("thousands of hostile property sets and header tables: nothing traps, nothing is lost, no hub header is believed")
    func fuzz() async throws {
        let count = Int(ProcessInfo.processInfo.environment["DREHSCHEIBE_FUZZ_MESSAGES"] ?? "") ?? 3_000
        var fuzz = WireFuzz(random: SeededGenerator())
        let seed = fuzz.random.reproduction
        print("wire fuzz: \(count) messages, \(seed)")
        let vhost = try TestBroker.isolatedVirtualHost("fuzz")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drehscheibe-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let hub = try FuzzedHub.start(vhost: vhost, directory: directory)
        #expect(await hub.opsReady(), "ops log:\n\(hub.ops.log.suffix(3000))")

        // Publish: one at a time with confirms, so each message's fate at the broker is known.
        var accepted: [String: Bool] = [:]  // envelope id → carried a hub header
        var refusedByBroker = 0
        // No automatic recovery: a connection the broker closed is replaced here, at once, so
        // the agency user does not hold a second one meanwhile (its connection limit).
        var partnerConfiguration = try ConnectionConfiguration(url: TestBroker.url(user: Self.agency, vhost: vhost))
        partnerConfiguration.recovery = .disabled
        var partner = try await Connection.connect(partnerConfiguration)
        var channel = try await partner.openChannel()
        for round in 0..<count {
            var envelope = try fresh("visa.application-submitted.v1", subject: "av.istanbul:FUZZ-\(round % 40)")
            let id = envelope["id"]!.stringValue!
            if round % 97 == 0 { envelope["data"] = .string("not the data this type wants") }
            let base = BasicProperties(
                contentType: CaseEvent.contentType,
                headers: ["ce-subject": .string(envelope["subject"]!.stringValue!), "ce-source": .string(envelope["source"]!.stringValue!)],
                messageID: id, type: Self.type, userID: Self.agency)
            var (properties, hubHeaders) = fuzz.properties(base)
            // Non-finite floats make RabbitMQ close the publisher's connection (see
            // HostileWireTests): keep a few to show that costs the hub nothing.
            if round % 50 != 0, let headers = properties.headers { properties.headers = Self.finite(headers) }
            if round % 13 == 0 { properties.expiration = ["0", "1", "60000", "-1", "soon"].randomElement(using: &fuzz.random) }
            let message = Message(body: JSONValue.object(envelope).serialized(), properties: properties)
            do {
                try await channel.publish(message, exchange: "case.ingress", routingKey: Self.type, mandatory: true)
                accepted[id] = hubHeaders
            } catch {
                refusedByBroker += 1
                if !partner.isConnected || (error as? AMQPError)?.code == .connectionLost {
                    await partner.close()
                    partner = try await Connection.connect(partnerConfiguration)
                }
                channel = try await partner.openChannel()
            }
        }
        await partner.close()
        print("wire fuzz: the broker accepted \(accepted.count), refused \(refusedByBroker) at the door")
        #expect(accepted.count > count / 2, "\(seed)")

        // Every accepted message ends routed (its copy in inbox.bva) or as a dead letter.
        let acceptedIDs = Set(accepted.keys)
        let routed = try await hub.drainInbox("inbox.bva", until: { routed, stored in
            acceptedIDs.isSubset(of: routed.union(stored))
        })
        let stored = try await hub.deadLetteredIDs()
        let missing = acceptedIDs.subtracting(routed).subtracting(stored)
        #expect(missing.isEmpty, "\(missing.count) accepted messages neither routed nor dead-lettered, e.g. \(Array(missing.prefix(3))); \(seed)")
        let believed = accepted.filter { $0.value && routed.contains($0.key) }.map(\.key)
        #expect(believed.isEmpty, "\(believed.count) messages with hub headers were routed, e.g. \(Array(believed.prefix(3))); \(seed)")
        print("wire fuzz: \(routed.count) routed, \(stored.count) dead letters stored")

        // The operations API shows every stored dead letter: the list, and each letter in full.
        let operatorClient = OpsClient(URL(string: "http://127.0.0.1:\(hub.opsPort)")!)
        #expect(try await operatorClient.login("fuzz", password: FuzzedHub.operatorPassword).status == 200)
        var shown = 0
        var total = 0
        repeat {
            let page = try await operatorClient.get("/api/dead-letters?limit=500&offset=\(shown)")
            #expect(page.status == 200, "\(page.text.prefix(300)); \(seed)")
            total = (page.json as? [String: Any])?["total"] as? Int ?? 0
            let items = (page.json as? [String: Any])?["items"] as? [[String: Any]] ?? []
            if items.isEmpty { break }
            for item in items {
                guard let id = item["id"] as? Int else { continue }
                let detail = try await operatorClient.get("/api/dead-letters/\(id)?reveal=true")
                #expect(detail.status == 200, "dead letter \(id) (\(shown) shown): \(detail.status) \(detail.text.prefix(300)) \(detail.headers); \(seed)")
                shown += 1
            }
        } while shown < total
        #expect(shown == total && total >= stored.count, "shown \(shown) of \(total); \(seed)")

        // Both processes still run, and a valid message still flows.
        #expect(hub.router.isRunning, "router log:\n\(hub.router.log.suffix(3000))")
        #expect(hub.ops.isRunning, "ops log:\n\(hub.ops.log.suffix(3000))")
        let valid = try fresh("visa.application-submitted.v1")
        let validID = valid["id"]!.stringValue!
        let publisher = try await Connection.connect(url: TestBroker.url(user: Self.agency, vhost: vhost))
        try await publisher.openChannel().publish(
            Message(body: JSONValue.object(valid).serialized(), properties: BasicProperties(
                contentType: CaseEvent.contentType, headers: ["ce-subject": .string(valid["subject"]!.stringValue!)], messageID: validID,
                type: Self.type, userID: Self.agency)),
            exchange: "case.ingress", routingKey: Self.type, mandatory: true)
        await publisher.close()
        let after = try await hub.drainInbox("inbox.bva", until: { routed, _ in routed.contains(validID) })
        #expect(after.contains(validID))

        let routerExit = await hub.stop()
        #expect(routerExit == [0, 0], "exit codes router, ops: \(routerExit)")
        TestBroker.deleteVirtualHost(vhost)
        try? FileManager.default.removeItem(at: directory)
    }

    /// The table with every NaN or infinite float replaced by 0.
    static func finite(_ table: FieldTable) -> FieldTable {
        func clean(_ value: FieldValue) -> FieldValue {
            switch value {
            case .double(let x) where !x.isFinite: .double(0)
            case .float(let x) where !x.isFinite: .float(0)
            case .array(let values): .array(values.map(clean))
            case .table(let table): .table(finite(table))
            default: value
            }
        }
        return FieldTable(table.map { ($0.key, clean($0.value)) })
    }
}

/// The router and the operations server as child processes on one virtual host, each with its
/// own SQLite store in `directory`.
struct FuzzedHub {
    static let operatorPassword = "fuzz-operator-password"
    let vhost: String
    let router: ChildProcess
    let ops: ChildProcess
    let opsStore: URL
    let opsPort: Int

    static func start(vhost: String, directory: URL) throws -> FuzzedHub {
        let binary = ChildProcess.drehscheibeBinary
        let root = TestBroker.packageRoot
        let router = try ChildProcess(
            binary, ["router", "--schemas", schemasDirectory.path, "--store", "sqlite:\(directory.appendingPathComponent("router.sqlite").path)"],
            environment: ["DREHSCHEIBE_AMQP_URL": try TestBroker.url(user: "drehscheibe-router", vhost: vhost), "DREHSCHEIBE_LOG_LEVEL": "error"],
            logName: "fuzz-router")
        let hash = try Command.run(binary.path, ["ops", "hash-password", "--iterations", "100000"], input: operatorPassword + "\n")
        let operators = directory.appendingPathComponent("operators.json")
        try Data(#"{"operators": [{"name": "fuzz", "role": "admin", "passwordHash": "\#(hash.output.trimmingCharacters(in: .whitespacesAndNewlines))"}]}"#.utf8)
            .write(to: operators)
        let opsStore = directory.appendingPathComponent("ops.sqlite")
        let port = try freeLocalPort()
        let ops = try ChildProcess(
            binary, [
                "ops", "serve", "--port", "\(port)", "--store", "sqlite:\(opsStore.path)", "--operators", operators.path,
                "--schemas", schemasDirectory.path, "--audit-checkpoints", directory.appendingPathComponent("checkpoints").path,
                "--definitions", root.appendingPathComponent("deploy/rabbitmq/definitions.json").path,
            ],
            environment: ["DREHSCHEIBE_AMQP_URL": try TestBroker.url(user: "drehscheibe-ops", vhost: vhost), "DREHSCHEIBE_LOG_LEVEL": "error"],
            logName: "fuzz-ops")
        return FuzzedHub(vhost: vhost, router: router, ops: ops, opsStore: opsStore, opsPort: port)
    }

    /// Waits until the operations server answers /readyz (it consumes the dead letters then).
    func opsReady(timeout: Duration = .seconds(180)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, ops.isRunning {
            if let reply = try? await LocalHTTP.send(port: opsPort, method: "GET", path: "/readyz"), reply.status == 200 { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// The envelope ids of the dead letters the operations server stored.
    func deadLetteredIDs() async throws -> Set<String> {
        var logger = Logger(label: "test.fuzz.store")
        logger.logLevel = .error
        return try await HubStore.withStore(.sqlite(path: opsStore.path), logger: logger) { store in
            var ids = Set<String>()
            var offset = 0
            while true {
                let page = try await store.deadLetters(offset: offset, limit: 1000)
                ids.formUnion(page.items.compactMap(\.messageID))
                // A letter whose message_id the fuzz removed is found by its envelope id.
                for item in page.items where item.messageID == nil {
                    if let letter = try await store.deadLetter(item.id), let id = (try? JSONValue(parsing: letter.body))?.objectValue?["id"]?.stringValue {
                        ids.insert(id)
                    }
                }
                offset += page.items.count
                if page.items.isEmpty || offset >= page.total { return ids }
            }
        }
    }

    /// Consumes `queue` (acknowledging) until `done(routed, stored)` holds or three minutes
    /// pass; returns the message ids that arrived.
    func drainInbox(_ queue: String, until done: @escaping @Sendable (Set<String>, Set<String>) -> Bool) async throws -> Set<String> {
        let connection = try await Connection.connect(url: TestBroker.url(vhost: vhost))
        let channel = try await connection.openChannel(publisherConfirms: false)
        try await channel.setPrefetch(500)
        let arrived = Mutex<Set<String>>([])
        let consumer = try await channel.consume(queue: queue, onDelivery: { delivery in
            try? delivery.ack()
            if let id = delivery.properties.messageID { arrived.withLock { _ = $0.insert(id) } }
        }, onEnd: { _ in })
        let deadline = ContinuousClock.now + .seconds(180)
        while ContinuousClock.now < deadline {
            let routed = arrived.withLock { $0 }
            if done(routed, try await deadLetteredIDs()) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        try? await consumer.cancel()
        await connection.close()
        return arrived.withLock { $0 }
    }

    /// SIGTERM to both; their exit codes (nil: did not stop within 30 s).
    func stop() async -> [Int32?] {
        router.signal(SIGTERM)
        ops.signal(SIGTERM)
        return [await router.wait(timeout: .seconds(30)), await ops.wait(timeout: .seconds(30))]
    }
}

extension ChildProcess {
    /// True while the process has not exited.
    var isRunning: Bool { kill(pid, 0) == 0 && !hasExited }

    private var hasExited: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }
}
