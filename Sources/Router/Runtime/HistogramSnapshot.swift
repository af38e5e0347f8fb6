/// One histogram read from Prometheus text (what `/metrics` serves), summed over the label sets
/// that match, with quantiles as Prometheus' `histogram_quantile` computes them. The benchmark
/// reads the router's latency legs this way from the running router process.
public struct HistogramSnapshot: Sendable, Equatable {
    public struct Bucket: Sendable, Equatable {
        /// The bucket's `le`; `.infinity` for the last.
        public var upperBound: Double
        /// Observations up to and including `upperBound` (cumulative).
        public var count: Double

        public init(upperBound: Double, count: Double) {
            self.upperBound = upperBound
            self.count = count
        }
    }

    /// Ascending by upper bound.
    public private(set) var buckets: [Bucket]

    public init(buckets: [Bucket]) { self.buckets = buckets.sorted { $0.upperBound < $1.upperBound } }

    /// The `NAME_bucket` series of `text` whose labels include `labels`.
    public init(prometheusText text: String, name: String, matching labels: [String: String] = [:]) {
        var counts: [Double: Double] = [:]
        let prefix = name + "_bucket{"
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            guard let close = line.lastIndex(of: "}"), let count = Double(line[line.index(after: close)...].trimmingPrefix(" ")) else { continue }
            let series = Self.labels(line[line.index(line.startIndex, offsetBy: prefix.count)..<close])
            guard labels.allSatisfy({ series[$0.key] == $0.value }), let le = series["le"] else { continue }
            let bound = le == "+Inf" ? Double.infinity : Double(le)
            guard let bound else { continue }
            counts[bound, default: 0] += count
        }
        self.init(buckets: counts.map { Bucket(upperBound: $0.key, count: $0.value) })
    }

    /// `key="value"` pairs; the values here never hold quotes or commas.
    private static func labels(_ text: Substring) -> [String: String] {
        var labels: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            labels[String(parts[0])] = String(parts[1].trimmingPrefix("\"").dropLast(parts[1].hasSuffix("\"") ? 1 : 0))
        }
        return labels
    }

    /// The observations made since `earlier` (same buckets).
    public func subtracting(_ earlier: HistogramSnapshot) -> HistogramSnapshot {
        let before = Dictionary(earlier.buckets.map { ($0.upperBound, $0.count) }) { $1 }
        return HistogramSnapshot(buckets: buckets.map { Bucket(upperBound: $0.upperBound, count: $0.count - (before[$0.upperBound] ?? 0)) })
    }

    public var count: Double { buckets.last?.count ?? 0 }

    /// The `q` quantile (0…1), interpolated linearly within its bucket (from 0 for the first);
    /// in the `+Inf` bucket, the highest finite bound. Nil without observations.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = q * count
        var lower = 0.0
        var below = 0.0
        for bucket in buckets {
            if bucket.count >= rank {
                guard bucket.upperBound.isFinite else { return lower }
                let inBucket = bucket.count - below
                return inBucket > 0 ? lower + (bucket.upperBound - lower) * (rank - below) / inBucket : bucket.upperBound
            }
            lower = bucket.upperBound.isFinite ? bucket.upperBound : lower
            below = bucket.count
        }
        return lower
    }
}
