@testable import AMQP
import Foundation
import Synchronization
import Testing

@Suite("Closing channels")
struct ChannelCloseTests {
    /// Regression: a graceful shutdown ends a consumer's iteration (which sends basic.cancel)
    /// and then closes its channel. When the close was queued behind the cancel and the
    /// cancel-ok arrived after the channel was marked closing, the reply was discarded, the
    /// close never went out and the shutdown hung for good.
    @Test("channel.close overtakes an RPC still waiting for its reply", .timeLimit(.minutes(1)))
    func closeOvertakesPendingCancel() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel(publisherConfirms: false)
        let queue = uniqueName("close-race")
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        let consumer = try await channel.consume(queue: queue)

        // Hold the I/O thread until both requests wait, so it takes them in one turn: the
        // cancel is sent, and the close is requested before the cancel-ok can be read.
        let gate = DispatchSemaphore(value: 0)
        let held = Atomic<Bool>(false)
        let loop = channel.loop
        loop.submit { _ in
            held.store(true, ordering: .releasing)
            gate.wait()
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while !held.load(ordering: .acquiring) && ContinuousClock.now < deadline { await Task.yield() }
        let holding = held.load(ordering: .acquiring)
        try #require(holding, "the I/O thread did not take the holding job")
        let cancel = Task { try await consumer.cancel() }
        try await waitFor(jobs: 1, on: loop)
        let closed = Atomic<Bool>(false)
        let close = Task {
            try await channel.close()
            closed.store(true, ordering: .releasing)
        }
        try await waitFor(jobs: 2, on: loop)
        gate.signal()

        // Bounded: with the bug the close never completes (the connection's close below
        // then fails it).
        let closeDeadline = ContinuousClock.now + .seconds(20)
        while !closed.load(ordering: .acquiring) && ContinuousClock.now < closeDeadline { try await Task.sleep(for: .milliseconds(10)) }
        let completed = closed.load(ordering: .acquiring)
        #expect(completed, "channel.close did not complete")
        guard completed else {
            await connection.close()
            _ = try? await close.value
            return
        }
        // The overtaken cancel fails as closed by this client; the consumer's sequence ends.
        await #expect(throws: AMQPError.self) { try await cancel.value }
        var iterator = consumer.makeAsyncIterator()
        #expect(try await iterator.next() == nil)
        await connection.close()
    }

    /// Waits until `count` jobs are queued for the (held) I/O thread.
    private func waitFor(jobs count: Int, on loop: ConnectionLoop) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while loop.shared.withLock({ $0.jobs.count }) < count {
            guard ContinuousClock.now < deadline else { throw AMQPError(.timeout, context: "the request was not queued") }
            await Task.yield()
        }
    }
}
