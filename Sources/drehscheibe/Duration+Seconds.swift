extension Duration {
    /// In seconds, as the demo prints them.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
