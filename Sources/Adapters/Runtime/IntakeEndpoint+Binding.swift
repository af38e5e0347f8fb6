#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension IntakeEndpoint {
    /// Where the intake may listen.
    ///
    /// Loopback (`127.0.0.0/8`, `::1`, `localhost`) is the default and needs nothing else: only
    /// processes on the adapter's machine reach it. Any other address (`0.0.0.0`, a LAN
    /// address, a host name) needs `http.allowNonLoopback: true` in the configuration: the
    /// intake speaks plain HTTP, so the token would cross the network in clear unless a TLS
    /// proxy or a private link protects it, which is the operator's decision to state.
    public enum Binding: Sendable, Hashable {
        case loopback
        /// Not loopback, and allowed explicitly.
        case nonLoopbackAllowed
        /// Not loopback, and not allowed: the adapter does not start.
        case refused(host: String)

        /// Why a refused binding is refused.
        public var error: AdapterError? {
            guard case .refused(let host) = self else { return nil }
            return AdapterError(
                .configuration,
                "the HTTP intake would listen on \(host), which is not a loopback address; set http.allowNonLoopback to true to allow it (and protect the plain HTTP, e.g. with a TLS proxy)")
        }
    }

    /// The decision for listening on `host`.
    public static func binding(host: String, allowNonLoopback: Bool) -> Binding {
        if isLoopback(host) { return .loopback }
        return allowNonLoopback ? .nonLoopbackAllowed : .refused(host: host)
    }

    /// True for `localhost`, an IPv4 address in `127.0.0.0/8` and `::1` (also in brackets).
    static func isLoopback(_ host: String) -> Bool {
        var host = host
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) } == Array(repeating: 0, count: 15) + [1]
        }
        return false
    }
}
