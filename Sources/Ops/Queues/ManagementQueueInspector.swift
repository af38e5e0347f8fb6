import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Queue figures from RabbitMQ's management HTTP API (`GET /api/queues/{vhost}`): depths,
/// unacknowledged counts, consumers and publish/deliver rates. Needs a broker user tagged
/// `monitoring` (or `management` with access to the vhost): `drehscheibe-ops` is.
public struct ManagementQueueInspector: QueueInspector {
    public let baseURL: URL
    public let virtualHost: String
    let username: String
    let password: String
    let timeout: TimeInterval

    public init(baseURL: URL, virtualHost: String, username: String, password: String, timeout: TimeInterval = 5) {
        self.baseURL = baseURL
        self.virtualHost = virtualHost
        self.username = username
        self.password = password
        self.timeout = timeout
    }

    public func overview() async throws -> QueueOverview {
        let vhost = virtualHost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? virtualHost
        let columns = [
            "name", "type", "state", "messages_ready", "messages_unacknowledged", "consumers",
            "message_stats.publish_details.rate", "message_stats.deliver_get_details.rate",
        ].joined(separator: ",")
        guard let url = URL(string: "\(baseURL.absoluteString.trimmingSuffix("/"))/api/queues/\(vhost)?columns=\(columns)") else {
            throw OpsError(.configuration, "the management URL \(baseURL) is not usable")
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        let credentials = Data("\(username):\(password)".utf8).base64EncodedString()
        request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw OpsError(.unavailable, "the management API at \(baseURL) is not reachable")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw OpsError(.unavailable, "the management API at \(baseURL) answered \(status)")
        }
        let queues: [APIQueue]
        do {
            queues = try JSONDecoder().decode([APIQueue].self, from: data)
        } catch {
            throw OpsError(.unavailable, "the management API at \(baseURL) sent something else than a queue list")
        }
        return QueueOverview(
            source: "management-api", note: nil,
            queues: queues.map {
                QueueStatus(
                    name: $0.name, type: $0.type, ready: $0.messages_ready ?? 0, unacknowledged: $0.messages_unacknowledged,
                    consumers: $0.consumers ?? 0, publishRate: $0.message_stats?.publish_details?.rate ?? 0,
                    deliverRate: $0.message_stats?.deliver_get_details?.rate ?? 0, state: $0.state)
            }.sorted { $0.name < $1.name })
    }

    /// The management API's queue object, as far as it is read.
    private struct APIQueue: Decodable {
        struct Rate: Decodable { var rate: Double? }
        struct Stats: Decodable {
            var publish_details: Rate?
            var deliver_get_details: Rate?
        }

        var name: String
        var type: String?
        var state: String?
        var messages_ready: Int?
        var messages_unacknowledged: Int?
        var consumers: Int?
        var message_stats: Stats?
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
