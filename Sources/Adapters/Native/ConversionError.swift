import Foundation
/// Why a native document cannot become canonical events (or an event a native document).
///
/// The detail names elements, fields, columns, lines and codes, never values from the
/// document, so it can be logged and written next to the failed document.
public struct ConversionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable kind, e.g. `native.syntax`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Not well-formed XML, JSON or CSV, or too large.
        public static let syntax = Code("native.syntax")
        /// The document is no message this agency's format knows.
        public static let unsupportedMessage = Code("native.unsupported-message")
        /// An element, member or column the format does not define.
        public static let unknownField = Code("native.unknown-field")
        /// A required element, member or column is missing.
        public static let missingField = Code("native.missing-field")
        /// A value of the wrong shape (a number that is none, a bad date, ...).
        public static let invalidValue = Code("native.invalid-value")
        /// The machine-readable zone fails its layout or check digits.
        public static let machineReadableZone = Code("native.mrz")
        /// A nationality or country code without a counterpart in the crosswalk.
        public static let unknownCode = Code("native.unknown-code")
        /// The document names another author than this adapter's agency.
        public static let wrongAuthor = Code("native.wrong-author")
        /// This agency may not produce the event (catalogue producers).
        public static let notAProducer = Code("native.not-a-producer")
        /// The event does not match its schema (offline validation against Schemas/).
        public static let invalid = Code("native.invalid")
        /// An XML document with a document type declaration, in whatever encoding: the
        /// formats have none, and a DTD is how entity-expansion attacks get in.
        public static let documentType = Code("native.document-type")
        /// An XML document in an encoding the adapter does not read, not valid in its
        /// encoding, or declaring another encoding than it is in.
        public static let encoding = Code("native.encoding")
        /// A dropped file larger than ``NativeDocument/maximumBytes``; refused before it is read.
        public static let tooLarge = Code("native.too-large")
        /// A dropped file that is a symbolic link or has more than one name (a hard link):
        /// the adapter reads only files the sender put into the inbox itself.
        public static let linkedFile = Code("native.linked-file")
        /// A dropped entry that is no regular file (a directory, a FIFO, a socket, a device).
        public static let notARegularFile = Code("native.not-a-regular-file")
        /// A dropped file the adapter may not open or read (its permissions).
        public static let unreadable = Code("native.unreadable")
    }

    /// One schema violation of an event converted from the document (code ``Code/invalid``).
    public struct Violation: Sendable, Hashable {
        /// Where in the canonical envelope, e.g. `/data/person/birthDate`.
        public var instanceLocation: String
        /// The failing keyword, e.g. `pattern`, `x-codeList`.
        public var keyword: String
        /// A sentence without values from the document.
        public var message: String

        public init(instanceLocation: String, keyword: String, message: String) {
            self.instanceLocation = instanceLocation
            self.keyword = keyword
            self.message = message
        }
    }

    public var code: Code
    public var detail: String
    /// Where in the document: an element path, a JSON pointer, `row 3, column entscheidung`.
    public var location: String?
    /// The schema violations, for ``Code/invalid``.
    public var violations: [Violation]

    public init(_ code: Code, _ detail: String, at location: String? = nil, violations: [Violation] = []) {
        self.code = code
        self.detail = detail
        self.location = location
        self.violations = violations
    }

    public var description: String {
        "\(code.rawValue): \(detail)" + (location.map { " (at \($0))" } ?? "")
    }
}
