import CJemalloc

/// The memory allocator serving this process: jemalloc, linked into the executable (see the
/// `CJemalloc` target), unless something preloaded another malloc.
enum Allocator {
    /// "jemalloc 5.3.0-…", or "system malloc" when jemalloc does not answer.
    static var name: String {
        cjemalloc_version().map { "jemalloc \(String(cString: $0))" } ?? "system malloc"
    }
}
