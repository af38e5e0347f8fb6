extension Duration {
    /// In seconds, as the benchmarks and the demo print them.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
