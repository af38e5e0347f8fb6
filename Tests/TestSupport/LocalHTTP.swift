import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain HTTP/1.1 client for servers on 127.0.0.1 (chromedriver), on its own thread per
/// request so a long wait in the browser does not hold one of the few concurrency threads.
/// FoundationNetworking's URLSession failed against chromedriver ("Failed writing header").
public enum LocalHTTP {
    public struct Reply: Sendable {
        public var status: Int
        public var body: Data
    }

    public static func send(port: Int, method: String, path: String, body: Data? = nil) async throws -> Reply {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Reply, any Error>) in
            detachThread {
                continuation.resume(with: Result { try exchange(port: port, method: method, path: path, body: body) })
            }
        }
    }

    static func exchange(port: Int, method: String, path: String, body: Data?) throws -> Reply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestBrokerError(message: "socket() failed") }
        defer { close(fd) }
        // A server that never answers fails the request (EAGAIN) instead of hanging the test.
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestBrokerError(message: "cannot connect to 127.0.0.1:\(port)") }

        let payload = body ?? Data()
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nAccept: application/json\r\n"
        if body != nil { request += "Content-Type: application/json; charset=utf-8\r\n" }
        request += "Content-Length: \(payload.count)\r\n\r\n"
        try writeAll(fd, Data(request.utf8) + payload)

        // Read the head, then exactly the body: chromedriver keeps the connection open.
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        func fill() throws -> Bool {
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else {
                    throw TestBrokerError(message: errno == EAGAIN ? "no reply from 127.0.0.1:\(port) within 120 s" : "read failed")
                }
                if count == 0 { return false }
                response.append(contentsOf: buffer[0..<count])
                return true
            }
        }
        var split = response.range(of: Data("\r\n\r\n".utf8))
        while split == nil {
            guard try fill() else { throw TestBrokerError(message: "no HTTP response from 127.0.0.1:\(port)") }
            split = response.range(of: Data("\r\n\r\n".utf8))
        }
        let head = String(decoding: response[..<split!.lowerBound], as: UTF8.self)
        let bodyStart = split!.upperBound
        let lines = head.components(separatedBy: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            throw TestBrokerError(message: "bad HTTP status line from 127.0.0.1:\(port)")
        }
        func header(_ name: String) -> String? {
            lines.dropFirst().first { $0.lowercased().hasPrefix(name + ":") }.map {
                String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces)
            }
        }
        if let length = header("content-length").flatMap(Int.init) {
            while response.count - bodyStart < length {
                guard try fill() else { break }
            }
            return Reply(status: status, body: Data(response[bodyStart..<min(response.count, bodyStart + length)]))
        }
        if header("transfer-encoding")?.lowercased().contains("chunked") == true {
            while response.count - bodyStart < 5 || response.suffix(5) != Data("0\r\n\r\n".utf8) {
                guard try fill() else { break }
            }
            return Reply(status: status, body: dechunk(Data(response[bodyStart...])))
        }
        while try fill() {}
        return Reply(status: status, body: Data(response[bodyStart...]))
    }

    static func writeAll(_ fd: Int32, _ data: Data) throws {
        var offset = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw TestBrokerError(message: "write failed") }
            offset += written
        }
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var rest = data[...]
        while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let end = rest.index(start, offsetBy: size, limitedBy: rest.endIndex) ?? rest.endIndex
            out.append(rest[start..<end])
            rest = rest[min(rest.index(end, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex, rest.endIndex)...]
        }
        return out
    }
}
