import Foundation
/// A failure of the adapter SDK or runtime: file system, configuration, spool or broker.
///
/// Descriptions name files, queues and ids, never message content, so they can be logged.
public struct AdapterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable kind; compare with the static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A dotted identifier such as `adapter.io`.
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Reading or writing a file or directory failed.
        public static let io = Code("adapter.io")
        /// A configuration file or option is missing or invalid.
        public static let configuration = Code("adapter.configuration")
        /// A spool entry cannot be read back (damaged on disk).
        public static let damagedSpoolEntry = Code("adapter.damaged-spool-entry")
        /// Another process holds the adapter's state directory.
        public static let stateLocked = Code("adapter.state-locked")
        /// The adapter is shutting down and takes no more work.
        public static let shuttingDown = Code("adapter.shutting-down")
    }

    public var code: Code
    /// What failed, for operators.
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    static func io(_ detail: String, errno code: Int32?) -> AdapterError {
        guard let code else { return AdapterError(.io, detail) }
        return AdapterError(.io, "\(detail) (errno \(code): \(String(cString: strerror(code))))")
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
