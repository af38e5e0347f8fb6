import AMQP
import CaseModel

extension Inbound {
    /// The sender's own headers as the hub carries them on in a dead letter or a retry.
    ///
    /// From a partner (`fromHub` false) the hub's namespace and the headers RabbitMQ sets are
    /// left out (``HubMarks`` refused or ignored them), and from anyone `CC`/`BCC`, which would
    /// make RabbitMQ route the hub's own publish to more queues. What is left is carried in
    /// order up to ``HubHeader/carriedHeaderBytes``; the size of what did not fit is noted in
    /// ``HubHeader/omittedHeaderBytes``, so the hub's publish stays within one frame whatever
    /// the sender put into its headers.
    func carriedHeaders(fromHub: Bool) -> FieldTable {
        var kept: [(String, FieldValue)] = []
        var used = 4
        var omitted = 0
        for (key, value) in properties.headers ?? FieldTable() {
            if HubHeader.senderSelected.contains(key) { continue }
            if !fromHub, HubHeader.isReserved(key) || HubHeader.isBrokerSet(key) { continue }
            let size = 1 + key.utf8.count + value.encodedSize
            if used + size > HubHeader.carriedHeaderBytes {
                omitted += size
                continue
            }
            used += size
            kept.append((key, value))
        }
        var table = FieldTable(kept)
        if omitted > 0 { table[HubHeader.omittedHeaderBytes] = .int64(Int64(omitted)) }
        return table
    }
}
