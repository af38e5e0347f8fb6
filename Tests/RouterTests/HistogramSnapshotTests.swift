import Router
import Testing

@Suite("Histograms read from /metrics (pure)")
struct HistogramSnapshotTests {
    let text = """
        # TYPE drehscheibe_router_latency_seconds histogram
        drehscheibe_router_latency_seconds_bucket{outcome="delivered",le="0.01"} 10
        drehscheibe_router_latency_seconds_bucket{outcome="delivered",le="0.02"} 90
        drehscheibe_router_latency_seconds_bucket{outcome="delivered",le="+Inf"} 100
        drehscheibe_router_latency_seconds_sum{outcome="delivered"} 1.5
        drehscheibe_router_latency_seconds_count{outcome="delivered"} 100
        drehscheibe_router_latency_seconds_bucket{outcome="dead-lettered",le="0.01"} 0
        drehscheibe_router_latency_seconds_bucket{outcome="dead-lettered",le="0.02"} 0
        drehscheibe_router_latency_seconds_bucket{outcome="dead-lettered",le="+Inf"} 100
        drehscheibe_router_queued_seconds_bucket{le="0.01"} 7
        """

    @Test("buckets of the matching label sets, summed; quantiles interpolate within a bucket")
    func quantiles() throws {
        let delivered = HistogramSnapshot(prometheusText: text, name: "drehscheibe_router_latency_seconds", matching: ["outcome": "delivered"])
        #expect(delivered.count == 100)
        #expect(try #require(delivered.quantile(0.05)) == 0.005)
        #expect(abs(try #require(delivered.quantile(0.5)) - 0.015) < 1e-12)
        // In the +Inf bucket: the highest finite bound, as histogram_quantile does.
        #expect(delivered.quantile(0.99) == 0.02)
        let all = HistogramSnapshot(prometheusText: text, name: "drehscheibe_router_latency_seconds")
        #expect(all.count == 200)
        #expect(HistogramSnapshot(prometheusText: text, name: "drehscheibe_router_queued_seconds").count == 7)
    }

    @Test("a later reading minus an earlier one holds what was observed in between")
    func difference() {
        let earlier = HistogramSnapshot(buckets: [.init(upperBound: 0.01, count: 10), .init(upperBound: .infinity, count: 10)])
        let later = HistogramSnapshot(buckets: [.init(upperBound: 0.01, count: 10), .init(upperBound: .infinity, count: 30)])
        let between = later.subtracting(earlier)
        #expect(between.count == 20)
        #expect(between.quantile(0.5) == 0.01)
        #expect(HistogramSnapshot(buckets: []).quantile(0.5) == nil)
    }
}
