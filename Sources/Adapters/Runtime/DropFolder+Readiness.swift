extension DropFolder {
    /// Whether a directory entry may be taken in this scan.
    enum Readiness: Sendable, Hashable {
        /// A name writers use while writing (hidden, `.part`, `.tmp`, ...): never taken.
        case inProgressName
        /// First seen in this scan, or changed since the last one: looked at again next scan.
        case settling
        /// Seen unchanged (same file, size, modification and status-change time) in two
        /// consecutive scans, a poll interval apart: the writer is done with it.
        case ready
    }

    /// Suffixes (lower case) of names that writers use while a file is incomplete.
    static let inProgressSuffixes = [".part", ".partial", ".tmp", ".crdownload", "~"]

    /// Decides about one entry from its name, what this scan saw and what the previous scan
    /// saw (nil: not there then).
    ///
    /// Writers are asked to write aside and rename into place; a file written in place is
    /// still not taken while it grows or changes between two scans. That guards against a
    /// writer that stalls for less than a poll interval, not against one that pauses longer:
    /// the rename is the contract.
    static func readiness(name: String, previous: FileObservation?, current: FileObservation) -> Readiness {
        let lowered = name.lowercased()
        if name.hasPrefix(".") || inProgressSuffixes.contains(where: { lowered.hasSuffix($0) }) { return .inProgressName }
        guard let previous, current.isUnchanged(since: previous) else { return .settling }
        return .ready
    }
}
