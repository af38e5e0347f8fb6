import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import Router
import ServiceLifecycle

/// Process-wide logging and metrics, set up once by long-running commands.
enum Observability {
    /// The Prometheus registry every swift-metrics instrument of this process reports to.
    static let registry = PrometheusCollectorRegistry()

    /// Logs go to stderr, level from DREHSCHEIBE_LOG_LEVEL (default info). Log lines carry
    /// identifiers (message id, type, case id) only; components never log message content.
    static func bootstrap() {
        let level = ProcessInfo.processInfo.environment["DREHSCHEIBE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var factory = PrometheusMetricsFactory(registry: registry)
        for name in RouterMetrics.durationNames { factory.durationHistogramBuckets[name] = RouterMetrics.durationBuckets }
        factory.valueHistogramBuckets[RouterMetrics.transactionName] = RouterMetrics.transactionBuckets
        MetricsSystem.bootstrap(factory)
    }

    /// A small HTTP service on loopback with `/metrics` (Prometheus text) and `/healthz`.
    static func metricsServer(port: Int, logger: Logger, ready: @escaping @Sendable () -> Bool = { true }) -> some Service {
        let router = Hummingbird.Router()
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/healthz") { _, _ in "ok" }
        router.get("/readyz") { _, _ -> Response in
            ready() ? Response(status: .ok) : Response(status: .serviceUnavailable)
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
    }
}
