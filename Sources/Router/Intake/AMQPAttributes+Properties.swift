import AMQP
import CaseModel

extension AMQPAttributes {
    /// The envelope attributes an AMQP message mirrors, read from its properties and headers.
    init(_ properties: BasicProperties) {
        var headers: [String: String] = [:]
        for (key, value) in properties.headers ?? [:] where key.hasPrefix("ce-") {
            if let string = value.stringValue { headers[key] = string }
        }
        self.init(
            messageID: properties.messageID, type: properties.type, correlationID: properties.correlationID,
            timestamp: properties.timestamp, contentType: properties.contentType, appID: properties.appID, headers: headers)
    }
}
