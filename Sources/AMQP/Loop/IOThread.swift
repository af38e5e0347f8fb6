import CRabbitMQ
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts a detached POSIX thread for a connection's I/O loop.
///
/// Why not Foundation's `Thread`: its `start()` ignores a failing `pthread_create`, so a
/// process out of threads (a cgroup's pids limit, `RLIMIT_NPROC`, address space) would leave
/// the caller waiting for a loop that never runs. Here the failure becomes an error.
enum IOThread {
    /// The I/O thread's stack: librabbitmq decodes (and the client encodes) nested tables
    /// recursively, and a 128 KiB frame can nest ~26,000 levels.
    static let stackBytes = 64 << 20

    /// Runs `body` on a new detached thread named `name` (the first 15 bytes; the name shows in stack dumps).
    static func start(name: String, _ body: @escaping @Sendable () -> Void) throws(AMQPError) {
        let box = Unmanaged.passRetained(Body(name: name, run: body))
        var thread = pthread_t()
        let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
        pthread_attr_init(attributes)
        defer {
            pthread_attr_destroy(attributes)
            attributes.deallocate()
        }
        // Address space, not memory: pages are only committed as they are used. The C
        // library decodes a peer's field tables recursively, as deep as one frame nests them.
        pthread_attr_setstacksize(attributes, stackBytes)
        let status = pthread_create(&thread, attributes, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            drs_set_thread_name(body.name)
            body.run()
            return nil
        }, box.toOpaque())
        guard status == 0 else {
            box.release()
            throw AMQPError(
                .library, context: "cannot start the connection's I/O thread: pthread_create failed (\(String(cString: strerror(status))))")
        }
        pthread_detach(thread)
    }

    private final class Body: Sendable {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }
}
