import Foundation
import Synchronization

extension TestBroker {
    /// Two concurrent `import_definitions` that each add a vhost with quorum queues were seen to
    /// hang the broker's definition import forever (RabbitMQ 3.10); suites run in parallel, so
    /// vhost creation and deletion take turns.
    static let virtualHostTurn = Mutex(())

    /// A fresh virtual host with the whole topology of deploy/rabbitmq/definitions.json
    /// (exchanges, quorum queues, policies, every agency's least-privilege permissions), so a
    /// test can consume inboxes without other tests taking its messages.
    public static func isolatedVirtualHost(_ prefix: String) throws -> String {
        let vhost = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        let definitions = packageRoot.appendingPathComponent("deploy/rabbitmq/definitions.json")
        guard var document = try JSONSerialization.jsonObject(with: Data(contentsOf: definitions)) as? [String: Any] else {
            throw TestBrokerError(message: "definitions.json is not a JSON object")
        }
        func renamed(_ key: String) -> [[String: Any]] {
            ((document[key] as? [[String: Any]]) ?? []).map { item in
                var item = item
                if item["vhost"] != nil { item["vhost"] = vhost }
                return item
            }
        }
        for key in ["permissions", "topic_permissions", "policies", "queues", "exchanges", "bindings", "parameters"] {
            document[key] = renamed(key)
        }
        var permissions = document["permissions"] as? [[String: Any]] ?? []
        permissions.append(["user": "drehscheibe-admin", "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"])
        document["permissions"] = permissions
        document["vhosts"] = [["name": vhost]]
        document["users"] = []
        let file = URL(fileURLWithPath: "/tmp/drehscheibe-vhost-\(vhost).json")
        try JSONSerialization.data(withJSONObject: document).write(to: file)
        _ = chmod(file.path, 0o644)
        defer { try? FileManager.default.removeItem(at: file) }
        try virtualHostTurn.withLock { _ in _ = try rabbitmqctl(["-q", "import_definitions", file.path]) }
        return vhost
    }

    /// The URL of a provisioned broker user on another virtual host.
    public static func url(user: String, vhost: String) throws -> String {
        let base = try url(user: user)
        guard let slash = base.range(of: "/", options: .backwards) else { return base }
        return base[..<slash.upperBound] + (vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? vhost)
    }

    /// Removes a virtual host made by `isolatedVirtualHost`.
    public static func deleteVirtualHost(_ vhost: String) {
        virtualHostTurn.withLock { _ in _ = try? rabbitmqctl(["-q", "delete_vhost", vhost]) }
    }
}
