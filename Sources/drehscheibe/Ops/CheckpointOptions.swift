import ArgumentParser
import Foundation
import Store

/// Where the audit checkpoint key and the signed checkpoints are kept, outside the database.
struct CheckpointOptions: ParsableArguments {
    @Option(
        name: .customLong("audit-checkpoints"),
        help: "Directory of the audit checkpoint key and checkpoints (default: $DREHSCHEIBE_AUDIT_CHECKPOINTS or .state/audit-checkpoints).")
    var directory: String?

    var files: AuditCheckpointFiles {
        AuditCheckpointFiles(directory: URL(fileURLWithPath: directory
            ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_AUDIT_CHECKPOINTS"] ?? ".state/audit-checkpoints"))
    }
}
