import AMQP
import ArgumentParser
import Foundation

/// `drehscheibe publish`: a raw, confirmed publish for smoke tests.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Publish raw messages with publisher confirms (smoke tests).")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Exchange to publish to (\"\" is the default exchange).") var exchange = ""
    @Option(name: .customLong("routing-key"), help: "Routing key (for the default exchange: the queue name).") var routingKey: String
    @Option(help: "Message body.") var body: String?
    @Option(help: "Read the body from this file (- for stdin).") var file: String?
    @Option(name: .customLong("message-id")) var messageID: String?
    @Option(name: .customLong("correlation-id")) var correlationID: String?
    @Option var type: String?
    @Option(name: .customLong("app-id")) var appID: String?
    @Option(name: .customLong("user-id"), help: "Must equal the login user, RabbitMQ checks it.") var userID: String?
    @Option(name: .customLong("content-type")) var contentType = "application/octet-stream"
    @Option(name: .customLong("header"), help: "A string header KEY=VALUE (repeatable).") var headers: [String] = []
    @Option(help: "Publish this many copies.") var count = 1
    @Flag(help: "Fail if no queue takes the message (basic.return).") var mandatory = false

    func run() async throws {
        let bytes: [UInt8]
        if let file {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            bytes = Array(data)
        } else {
            bytes = Array((body ?? "").utf8)
        }
        var table = FieldTable()
        for header in headers {
            guard let equals = header.firstIndex(of: "=") else { throw ValidationError("--header needs KEY=VALUE") }
            table[String(header[..<equals])] = .string(String(header[header.index(after: equals)...]))
        }
        let properties = BasicProperties(
            contentType: contentType, headers: table.isEmpty ? nil : table, correlationID: correlationID,
            messageID: messageID, timestamp: Date(), type: type, userID: userID, appID: appID)
        let amqp = try await connection.connect(name: "drehscheibe publish")
        let channel = try await amqp.openChannel()
        let batch = (0..<count).map { _ in
            OutgoingMessage(exchange: exchange, routingKey: routingKey, message: Message(body: bytes, properties: properties), mandatory: mandatory)
        }
        let results = await channel.publish(contentsOf: batch)
        await amqp.close()
        let failures = results.compactMap { result -> AMQPError? in
            if case .failure(let error) = result { return error }
            return nil
        }
        print("published \(count - failures.count)/\(count) message(s), confirmed by the broker")
        if let first = failures.first {
            print("failed: \(failures.count); first error: \(first)")
            throw ExitCode(1)
        }
    }
}
