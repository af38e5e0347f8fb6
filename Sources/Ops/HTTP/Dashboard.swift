import Foundation
import Hummingbird

/// The dashboard's static files (Sources/Ops/Dashboard: HTML, JavaScript, CSS; no build
/// step), read once at start and served from memory under fixed paths only.
public struct Dashboard: Sendable {
    struct Asset: Sendable {
        var contentType: String
        var bytes: [UInt8]
    }

    static let files: [(path: String, file: String, contentType: String)] = [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/app.css", "app.css", "text/css; charset=utf-8"),
    ]

    let assets: [String: Asset]

    /// Loads the files from the module's resources (or `directory`, for development).
    public init(directory: URL? = nil) throws {
        guard let base = directory ?? Bundle.module.url(forResource: "Dashboard", withExtension: nil) else {
            throw OpsError(.configuration, "the dashboard's files are missing from the Ops resources")
        }
        var assets: [String: Asset] = [:]
        for entry in Self.files {
            let url = base.appendingPathComponent(entry.file)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw OpsError(.configuration, "the dashboard file \(entry.file) is missing")
            }
            assets[entry.path] = Asset(contentType: entry.contentType, bytes: [UInt8](data))
        }
        self.assets = assets
    }

    func add<Context: RequestContext>(to router: Router<Context>) {
        for (path, asset) in assets {
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
                    body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
            }
        }
    }
}
