/// What this connection declared, in order, so a reconnect can declare it again: exchanges,
/// then queues, then bindings. A pure value; deletions remove dependent bindings too.
struct TopologyRecord: Sendable {
    private(set) var exchanges: [(name: String, method: ClientMethod)] = []
    private(set) var queues: [(name: String, method: ClientMethod)] = []
    private(set) var queueBindings: [Binding] = []
    private(set) var exchangeBindings: [Binding] = []

    struct Binding: Sendable, Hashable {
        var destination: String
        var source: String
        var routingKey: String
        var arguments: FieldTable
    }

    /// Records a successful topology method; other methods are ignored.
    mutating func record(_ method: ClientMethod) {
        switch method {
        case .exchangeDeclare(let name, _, let passive, _, _, _, _):
            guard !passive else { return }
            exchanges.removeAll { $0.name == name }
            exchanges.append((name, method))
        case .exchangeDelete(let name, _):
            exchanges.removeAll { $0.name == name }
            queueBindings.removeAll { $0.source == name }
            exchangeBindings.removeAll { $0.source == name || $0.destination == name }
        case .queueDeclare(let name, let passive, _, _, _, _):
            // Server-named queues get a new name on every declare: they cannot be recovered.
            guard !passive, !name.isEmpty else { return }
            queues.removeAll { $0.name == name }
            queues.append((name, method))
        case .queueDelete(let name, _, _):
            queues.removeAll { $0.name == name }
            queueBindings.removeAll { $0.destination == name }
        case .queueBind(let queue, let exchange, let routingKey, let arguments):
            let binding = Binding(destination: queue, source: exchange, routingKey: routingKey, arguments: arguments)
            if !queueBindings.contains(binding) { queueBindings.append(binding) }
        case .queueUnbind(let queue, let exchange, let routingKey, let arguments):
            queueBindings.removeAll { $0 == Binding(destination: queue, source: exchange, routingKey: routingKey, arguments: arguments) }
        case .exchangeBind(let destination, let source, let routingKey, let arguments):
            let binding = Binding(destination: destination, source: source, routingKey: routingKey, arguments: arguments)
            if !exchangeBindings.contains(binding) { exchangeBindings.append(binding) }
        case .exchangeUnbind(let destination, let source, let routingKey, let arguments):
            exchangeBindings.removeAll {
                $0 == Binding(destination: destination, source: source, routingKey: routingKey, arguments: arguments)
            }
        default:
            return
        }
    }

    /// The methods that re-create everything, in dependency order.
    var replay: [ClientMethod] {
        exchanges.map(\.method) + queues.map(\.method)
            + exchangeBindings.map { .exchangeBind(destination: $0.destination, source: $0.source, routingKey: $0.routingKey, arguments: $0.arguments) }
            + queueBindings.map { .queueBind(queue: $0.destination, exchange: $0.source, routingKey: $0.routingKey, arguments: $0.arguments) }
    }
}
