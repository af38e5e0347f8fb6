import Foundation

/// Prints benchmark progress to stderr and the result to stdout: an aligned table for a
/// person, then exactly one line of JSON holding every figure, so scripts read the last line.
struct BenchReport {
    let name: String
    private(set) var rows: [(label: String, values: [String: Double])] = []
    private(set) var figures: [String: Double] = [:]

    init(name: String) { self.name = name }

    static func progress(_ message: String) {
        FileHandle.standardError.write(Data("[bench] \(message)\n".utf8))
    }

    /// A measured row, e.g. the Swift client or the baseline, with named figures.
    mutating func addRow(_ label: String, _ values: [String: Double]) {
        rows.append((label, values))
        for (key, value) in values { figures["\(label).\(key)"] = value }
    }

    /// A derived figure, e.g. a ratio between two rows.
    mutating func addFigure(_ key: String, _ value: Double) { figures[key] = value }

    func print(columns: [String], extra: [String: String] = [:]) {
        let header = ["", ] + columns
        var table = [header]
        for row in rows {
            table.append([row.label] + columns.map { row.values[$0].flatMap { $0.isFinite ? Self.format($0) : nil } ?? "-" })
        }
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        Swift.print("== bench \(name) ==")
        for line in table {
            Swift.print(line.enumerated().map { index, cell in
                index == 0 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  "))
        }
        for (key, value) in figures.sorted(by: { $0.key < $1.key }) where !rows.contains(where: { key.hasPrefix($0.label + ".") }) {
            Swift.print("\(key): \(Self.format(value))")
        }
        Swift.print(Self.json(name: name, figures: figures, extra: extra))
    }

    /// The one JSON line: every finite figure; a figure that could not be measured (NaN or
    /// infinite, e.g. the broker's CPU without its pid) is listed under `missing`, never a crash.
    static func json(name: String, figures: [String: Double], extra: [String: String]) -> String {
        var object: [String: Any] = ["bench": name]
        var missing: [String] = []
        for (key, value) in figures {
            if value.isFinite { object[key] = value } else { missing.append(key) }
        }
        if !missing.isEmpty { object["missing"] = missing.sorted() }
        for (key, value) in extra { object[key] = value }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return #"{"bench":"\#(name)","error":"the figures could not be encoded"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        if value.rounded() == value && abs(value) < 1e12 { return String(Int(value)) }
        return String(format: abs(value) >= 100 ? "%.0f" : "%.3f", value)
    }

    /// Resident set size of this process in bytes, from /proc (Linux).
    static func residentBytes(pid: Int32? = nil) -> Double? {
        let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
        guard let status = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kib = line.split(separator: " ").dropFirst().first.flatMap { Double($0) }
            return kib.map { $0 * 1024 }
        }
        return nil
    }

    /// User and system CPU time a process used so far (/proc/PID/stat, fields 14 and 15).
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // After the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The p-th percentile (0...100) of sorted samples, nearest-rank.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
