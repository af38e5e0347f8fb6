import Adapters
import CaseModel
import Foundation
import Testing

/// The twelve flows of the main job, each as an integration test: the router and the adapters
/// the flow needs run in this process against an isolated virtual host; CaseTraffic plays
/// the clerks exactly as `drehscheibe demo` does in `scripts/up`.
@Suite("Case flows end to end", .serialized)
struct FlowTests {
    @Test("flow", arguments: CaseTraffic.flows.map(\.number))
    func flow(_ number: Int) async throws {
        let flow = try #require(CaseTraffic.flows.first { $0.number == number })
        let hub = try await Hub()
        var adapters: [RunningAdapter] = []
        for agency in CaseTraffic.agencies(of: number) { adapters.append(try await RunningAdapter(agency, hub: hub)) }
        defer { for adapter in adapters { adapter.remove() } }
        let clock = hub.deadlineClockFile
        let traffic = CaseTraffic(desks: adapters.map(\.desk), schemas: contract, timeout: .seconds(30), moveDeadlineClock: { seconds in
            try CaseTraffic.moveDeadlineClock(in: clock, by: seconds)
        }) { print($0) }
        print("[\(number)] \(flow.title)")
        try await traffic.play(flow)
        for adapter in adapters { try await adapter.stop() }
        try await hub.stop()
    }
}
