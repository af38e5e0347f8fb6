import Dispatch
import Foundation
import Ops
import Store
import Synchronization
import Testing

@Suite("Password hashing: bounded, off the concurrency pool, same cost for unknown names")
struct PasswordHashingTests {
    @Test func slotsThenALineThenRefusals() {
        var slots = HashingSlots(capacity: 2, queueLimit: 1)
        #expect(slots.arrive(1) == .run(slot: 0))
        #expect(slots.arrive(2) == .run(slot: 1))
        #expect(slots.arrive(3) == .wait)
        #expect(slots.arrive(4) == .busy)
        // The freed slot goes to the one waiting, in turn.
        #expect(slots.leave(slot: 1).map { [$0.next, UInt64($0.slot)] } == [3, 1])
        #expect(slots.arrive(5) == .wait)
        #expect(slots.leave(slot: 0).map { [$0.next, UInt64($0.slot)] } == [5, 0])
        #expect(slots.leave(slot: 1) == nil)
        #expect(slots.running == 1)
        #expect(slots.queued == 0)
    }

    /// At most `slots` checks run at once, however many logins arrive.
    @Test func neverMoreHashingsAtOnceThanSlots() async {
        let hashing = PasswordHashing(slots: 1, queue: 100)
        let running = Concurrency()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    let outcome = await hashing.run {
                        running.enter()
                        // Work that holds its thread, as PBKDF2 does.
                        _ = PasswordHash.verify("guess", against: PasswordHash.decoy(iterations: 20_000))
                        running.leave()
                    }
                    if case .busy = outcome { Issue.record("refused although the line had room") }
                }
            }
        }
        #expect(running.most == 1)
    }

    /// With every slot held and the line full, a login is refused at once (503 upstream)
    /// instead of piling up; and held slots do not hold the concurrency pool's threads: each
    /// check runs on its slot's own dispatch queue (asserted by the queue's mark, not by a
    /// timeout, so a loaded CI machine cannot fail it).
    @Test func aFullLineIsRefusedAtOnceAndTheConcurrencyPoolStaysFree() async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let hashing = PasswordHashing(slots: cores, queue: 0)
        let release = DispatchSemaphore(value: 0)
        let slotsSeen = SlotLog()
        let (started, signal) = AsyncStream<Void>.makeStream()
        let holders = (0..<cores).map { _ in
            Task {
                await hashing.run {
                    let slot = PasswordHashing.currentSlot
                    slotsSeen.append(slot)
                    signal.yield()
                    // A safety net against a hang only; the test releases them below.
                    _ = release.wait(timeout: .now() + .seconds(600))
                }
            }
        }
        var count = 0
        for await _ in started {
            count += 1
            if count == cores { break }
        }
        let seen = slotsSeen.all
        #expect(seen.compactMap { $0 }.sorted() == Array(0..<cores), "each check on its slot's queue, none on the pool: \(seen)")
        #expect(PasswordHashing.currentSlot == nil)
        // Every slot blocks a thread now; if those were the pool's (one per core), nothing
        // below could run.
        let answer = await Task.detached { 42 }.value
        #expect(answer == 42)
        guard case .busy = await hashing.run({ 1 }) else {
            Issue.record("a login beyond the line was not refused")
            return
        }
        #expect(hashing.load.running == cores)
        for _ in 0..<cores { release.signal() }
        for holder in holders { _ = await holder.value }
        guard case .done(let value) = await hashing.run({ 7 }) else {
            Issue.record("a free slot refused")
            return
        }
        #expect(value == 7)
    }

    /// A name that does not exist costs the same PBKDF2 work as one that does, so the time a
    /// login takes does not tell which names exist.
    @Test func anUnknownNameCostsAsMuchAsAKnownOne() throws {
        let directory = try OperatorDirectory([
            .init(name: "ada", role: .admin, passwordHash: PasswordHash.make("ada-secret-1", iterations: 200_000)),
        ])
        #expect(directory.loginCost(for: "nobody") == directory.loginCost(for: "ada"))
        #expect(directory.loginCost(for: "ada") == 200_000)

        // And measured: the fastest of three attempts each, so a busy machine does not decide.
        func fastest(_ name: String) -> Duration {
            (0..<3).map { _ in ContinuousClock().measure { _ = directory.authenticate(name: name, password: "wrong-password") } }.min()!
        }
        let known = fastest("ada")
        let unknown = fastest("nobody")
        #expect(unknown > known / 2, "unknown \(unknown), known \(known)")
        #expect(unknown < known * 2, "unknown \(unknown), known \(known)")
    }
}

/// How many run at once, and the most seen.
final class Concurrency: Sendable {
    private let state = Mutex((now: 0, most: 0))

    func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
    func leave() { state.withLock { $0.now -= 1 } }
    var most: Int { state.withLock { $0.most } }
}

/// The slots the checks ran on, in order.
final class SlotLog: Sendable {
    private let slots = Mutex<[Int?]>([])

    func append(_ slot: Int?) { slots.withLock { $0.append(slot) } }
    var all: [Int?] { slots.withLock { $0 } }
}
