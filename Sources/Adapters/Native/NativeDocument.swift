/// A document in an agency's own format, as its case-management system writes or reads it.
public struct NativeDocument: Sendable, Hashable {
    /// The syntax of a native document.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        case xml, json, csv

        /// The file extension.
        public var fileExtension: String { rawValue }

        /// The HTTP media type.
        public var mediaType: String {
            switch self {
            case .xml: "application/xml"
            case .json: "application/json"
            case .csv: "text/csv"
            }
        }

        /// The format of a file extension or media type (`xml`, `text/csv; charset=utf-8`).
        public init?(fileExtension: String) {
            self.init(rawValue: fileExtension.lowercased())
        }

        public init?(mediaType: String) {
            let type = mediaType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            switch type {
            case "application/xml", "text/xml": self = .xml
            case "application/json": self = .json
            case "text/csv": self = .csv
            default:
                if type.hasSuffix("+xml") { self = .xml } else if type.hasSuffix("+json") { self = .json } else { return nil }
            }
        }
    }

    public var format: Format
    public var bytes: [UInt8]

    public init(format: Format, bytes: [UInt8]) {
        self.format = format
        self.bytes = bytes
    }

    public init(format: Format, text: String) {
        self.init(format: format, bytes: Array(text.utf8))
    }

    /// The document as UTF-8 text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The largest native document an adapter reads (as the hub's 1 MiB message limit).
    public static let maximumBytes = 1 << 20
}

import Foundation
