import Ops
import Testing

/// The login throttle as a state machine: instants are passed in, nothing waits.
@Suite("Login throttle")
struct LoginThrottleTests {
    let t0 = ContinuousClock.now
    let rules = LoginLimits()

    func throttle(capacity: Int = 10_000) -> LoginThrottle {
        LoginThrottle(nameRule: rules.perName, clientRule: rules.perClient, capacity: capacity)
    }

    func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .milliseconds(Int64(seconds * 1000)) }

    @Test func fiveFailuresLockANameWhetherItExistsOrNot() {
        var throttle = throttle()
        for name in ["rey", "nobody-by-this-name"] {
            for attempt in 0..<4 {
                #expect(throttle.gate(name: name, client: "10.0.0.\(attempt)", at: at(Double(attempt))) == .open)
                #expect(throttle.failed(name: name, client: "10.0.0.\(attempt)", at: at(Double(attempt))).isEmpty)
            }
            let locks = throttle.failed(name: name, client: "10.0.0.9", at: at(4))
            #expect(locks.map(\.scope) == [.name])
            #expect(locks.first?.duration == .seconds(30))
            // From any address, with any password: the check is not even made.
            #expect(throttle.gate(name: name, client: "192.0.2.1", at: at(5)) == .refused(.name, until: at(34)))
            #expect(throttle.gate(name: name, client: "192.0.2.1", at: at(34)) == .open)
            // Other names are not affected.
            #expect(throttle.gate(name: "ada", client: "192.0.2.1", at: at(5)) == .open)
        }
    }

    @Test func eachFailureAfterALockDoublesTheNextUpToTheLongest() {
        var throttle = throttle()
        var now = 0.0
        for _ in 0..<4 { _ = throttle.failed(name: "rey", client: "c", at: at(now)) }
        var durations: [Duration] = []
        for _ in 0..<8 {
            let lock = throttle.failed(name: "rey", client: "c", at: at(now)).first { $0.scope == .name }
            durations.append(lock?.duration ?? .zero)
            // The next guess comes when the lock has ended (attempts before are refused, not counted).
            now += Double((lock?.duration ?? .zero).components.seconds)
        }
        #expect(durations == [30, 60, 120, 240, 480, 900, 900, 900].map { Duration.seconds($0) })
    }

    @Test func failuresOlderThanTheWindowNoLongerCountAndTheDelayStartsOver() {
        var throttle = throttle()
        for second in 0..<5 { _ = throttle.failed(name: "rey", client: "c", at: at(Double(second))) }
        #expect(throttle.gate(name: "rey", client: "c", at: at(10)) != .open)
        // Fifteen minutes after the lock's end (at 34 s) without a failure, it starts over.
        let later = 34.0 + 15 * 60
        #expect(throttle.gate(name: "rey", client: "c", at: at(later)) == .open)
        #expect(throttle.failed(name: "rey", client: "c", at: at(later)).isEmpty)
        for step in 1...3 { _ = throttle.failed(name: "rey", client: "c", at: at(later + Double(step))) }
        #expect(throttle.failed(name: "rey", client: "c", at: at(later + 4)).first?.duration == .seconds(30))
    }

    @Test func aClientGuessingManyNamesIsLockedAfterTwenty() {
        var throttle = throttle()
        for index in 0..<19 {
            #expect(throttle.failed(name: "name-\(index)", client: "203.0.113.7", at: at(Double(index))).isEmpty)
        }
        let locks = throttle.failed(name: "name-19", client: "203.0.113.7", at: at(19))
        #expect(locks.map(\.scope) == [.client])
        // Even for a name it knows the password of; other clients go on.
        #expect(throttle.gate(name: "ada", client: "203.0.113.7", at: at(20)) == .refused(.client, until: at(49)))
        #expect(throttle.gate(name: "ada", client: "198.51.100.1", at: at(20)) == .open)
    }

    @Test func aSuccessClearsItsNameButNotItsClient() {
        var throttle = throttle()
        for index in 0..<4 { _ = throttle.failed(name: "rey", client: "c", at: at(Double(index))) }
        throttle.succeeded(name: "rey")
        #expect(throttle.failed(name: "rey", client: "c", at: at(5)).isEmpty)
        for index in 6..<20 { _ = throttle.failed(name: "x\(index)", client: "c", at: at(Double(index))) }
        #expect(throttle.failed(name: "y", client: "c", at: at(21)).map(\.scope) == [.client])
    }

    @Test func aFloodOfMadeUpNamesDoesNotGrowWithoutBound() {
        var throttle = throttle(capacity: 100)
        for index in 0..<10_000 { _ = throttle.failed(name: "made-up-\(index)", client: "c\(index % 7)", at: at(Double(index) / 1000)) }
        #expect(throttle.trackedNames <= 100)
        #expect(throttle.trackedClients <= 100)
    }
}

@Suite("Login audit budget")
struct LoginAuditBudgetTests {
    let t0 = ContinuousClock.now

    @Test func aFloodBecomesAFewRecordsAndOneSummaryPerWindow() {
        var budget = LoginAuditBudget(window: .seconds(60), recordsPerWindow: 3)
        var decisions: [LoginAuditBudget.Decision] = []
        for index in 0..<10 {
            let (decision, summary) = budget.admit(.failed, name: "n\(index % 4)", client: "c", at: t0 + .milliseconds(index))
            decisions.append(decision)
            #expect(summary == nil)
        }
        for index in 0..<100 {
            #expect(budget.admit(.refused(.name), name: "n0", client: "c\(index % 2)", at: t0 + .seconds(1)).decision == .counted)
        }
        _ = budget.admit(.busy, name: "n1", client: "c", at: t0 + .seconds(2))
        #expect(decisions == Array(repeating: .record, count: 3) + Array(repeating: .counted, count: 7))
        #expect(budget.close(at: t0 + .seconds(59)) == nil)

        // The first event after the window carries its summary, and is recorded itself.
        let (decision, summary) = budget.admit(.failed, name: "n9", client: "c", at: t0 + .seconds(61))
        #expect(decision == .record)
        let counted = try! #require(summary)
        #expect(counted.unrecordedFailures == 7)
        #expect(counted.refusedByName == 100)
        #expect(counted.refusedBusy == 1)
        #expect(counted.attempts == 108)
        #expect(counted.names == 4)
        #expect(counted.clients == 3)
    }

    @Test func aQuietWindowLeavesNoSummaryAndShutdownClosesTheOpenOne() {
        var budget = LoginAuditBudget(window: .seconds(60), recordsPerWindow: 3)
        _ = budget.admit(.failed, name: "n", client: "c", at: t0)
        #expect(budget.close(at: t0 + .seconds(61)) == nil)
        _ = budget.admit(.refused(.client), name: "n", client: "c", at: t0 + .seconds(62))
        #expect(budget.close(at: t0 + .seconds(63)) == nil)
        #expect(budget.close(at: t0 + .seconds(63), force: true)?.refusedByClient == 1)
    }
}
