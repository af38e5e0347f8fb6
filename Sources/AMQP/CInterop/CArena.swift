import CRabbitMQ

/// Scratch memory for building librabbitmq's C structs (tables, properties, method
/// arguments) right before a send. Backed by an `amqp_pool_t`; `reset()` after each send
/// keeps the blocks for reuse. Used only on the connection's I/O thread.
final class CArena {
    private let pool: UnsafeMutablePointer<amqp_pool_t>

    init(pageSize: Int = 16 * 1024) {
        pool = .allocate(capacity: 1)
        init_amqp_pool(pool, pageSize)
    }

    deinit {
        empty_amqp_pool(pool)
        pool.deallocate()
    }

    func reset() { recycle_amqp_pool(pool) }

    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        guard count > 0 else { return UnsafeMutablePointer<T>.allocate(capacity: 0) }
        guard let raw = amqp_pool_alloc(pool, MemoryLayout<T>.stride * count) else {
            fatalError("amqp_pool_alloc failed: out of memory")
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// Copies `bytes` into the arena.
    func bytes<C: Collection>(_ bytes: C) -> amqp_bytes_t where C.Element == UInt8 {
        let count = bytes.count
        guard count > 0 else { return amqp_bytes_t(len: 0, bytes: nil) }
        let target = allocate(UInt8.self, count: count)
        _ = UnsafeMutableBufferPointer(start: target, count: count).initialize(from: bytes)
        return amqp_bytes_t(len: count, bytes: UnsafeMutableRawPointer(target))
    }

    func string(_ string: String) -> amqp_bytes_t { bytes(string.utf8) }
}

extension amqp_bytes_t {
    /// The bytes as a raw buffer (valid only while librabbitmq keeps the frame).
    var rawBuffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: bytes, count: len) }
    var array: [UInt8] { len == 0 ? [] : Array(rawBuffer) }
    var string: String { len == 0 ? "" : String(decoding: rawBuffer, as: UTF8.self) }
}
