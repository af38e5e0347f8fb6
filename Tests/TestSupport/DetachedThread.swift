#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` on a new detached thread. Foundation's `Thread.detachNewThread` ignores a
/// failing `pthread_create`, and a test waiting for the body would then hang without a trace;
/// here the failure stops the test process with the reason.
public func detachThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body))
    var thread = pthread_t()
    let status = pthread_create(&thread, nil, { argument in
        Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue().body()
        return nil
    }, box.toOpaque())
    precondition(status == 0, "pthread_create failed: \(String(cString: strerror(status)))")
    pthread_detach(thread)
}
