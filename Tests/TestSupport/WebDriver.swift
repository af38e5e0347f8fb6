import Foundation

/// A headless Chromium driven over W3C WebDriver (Debian's `chromium` and `chromium-driver`).
/// Finding elements waits up to the implicit timeout; `waitForText` waits in the page with a
/// MutationObserver, so tests wait for what they expect to see, not for a fixed time.
public final class WebDriver: @unchecked Sendable {
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    let driver: BackgroundProcess
    let base: URL
    let sessionID: String
    let profile: URL

    /// Starts chromedriver on a free port and a headless Chromium session.
    public static func start(implicitWait: Int = 15_000) async throws -> WebDriver {
        let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromedriver else { throw TestBrokerError(message: "chromedriver is missing: scripts/ensure-packages installs chromium-driver") }
        let port = try freeLocalPort()
        let process = try BackgroundProcess(chromedriver, ["--port=\(port)"], readyLine: "started successfully")
        let base = URL(string: "http://127.0.0.1:\(port)")!
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        let capabilities: [String: Any] = [
            "capabilities": ["alwaysMatch": [
                "browserName": "chrome",
                "goog:chromeOptions": [
                    "binary": "/usr/bin/chromium",
                    // --no-sandbox: Chromium refuses to run as root with its sandbox (CI runs as root).
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-crash-reporter",
                             "--window-size=1280,1000", "--user-data-dir=\(profile.path)"],
                ],
            ]],
        ]
        let reply = try await request(base, "POST", "/session", capabilities)
        guard let value = reply["value"] as? [String: Any], let sessionID = value["sessionId"] as? String else {
            throw TestBrokerError(message: "no WebDriver session: \(reply)")
        }
        let driver = WebDriver(driver: process, base: base, sessionID: sessionID, profile: profile)
        _ = try await driver.command("POST", "timeouts", ["implicit": implicitWait, "script": 30_000, "pageLoad": 30_000])
        return driver
    }

    init(driver: BackgroundProcess, base: URL, sessionID: String, profile: URL) {
        self.driver = driver
        self.base = base
        self.sessionID = sessionID
        self.profile = profile
    }

    public func open(_ url: URL) async throws {
        _ = try await command("POST", "url", ["url": url.absoluteString])
    }

    /// The element matching the CSS selector, waiting for it to appear.
    public func element(_ selector: String) async throws -> String {
        let value = try await command("POST", "element", ["using": "css selector", "value": selector])
        guard let element = value as? [String: Any], let id = element[Self.elementKey] as? String else {
            throw TestBrokerError(message: "no element \(selector)")
        }
        return id
    }

    public func click(_ selector: String) async throws {
        try await onFreshElement(selector) { id in _ = try await self.command("POST", "element/\(id)/click", [:]) }
    }

    public func type(_ text: String, into selector: String) async throws {
        try await onFreshElement(selector) { id in
            _ = try await self.command("POST", "element/\(id)/clear", [:])
            _ = try await self.command("POST", "element/\(id)/value", ["text": text])
        }
    }

    public func text(of selector: String) async throws -> String {
        try await onFreshElement(selector) { id in try await self.command("GET", "element/\(id)/text", nil) as? String ?? "" }
    }

    /// Finds `selector` and acts on it; when the page re-rendered that node in between (the
    /// dashboard refreshes its lists), WebDriver answers "stale element reference" and the
    /// element is looked up again, as the spec intends.
    func onFreshElement<T>(_ selector: String, _ action: (String) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            let id = try await element(selector)
            do {
                return try await action(id)
            } catch let error as TestBrokerError where error.message.contains("stale element reference") && attempt < 5 {
                attempt += 1
            }
        }
    }

    /// Waits until the element matching `selector` exists and its text contains `text`.
    public func waitForText(_ text: String, in selector: String) async throws {
        let script = """
            const [selector, expected, done] = arguments;
            const matches = () => { const node = document.querySelector(selector); return !!node && node.textContent.includes(expected); };
            if (matches()) { done(true); return; }
            const observer = new MutationObserver(() => { if (matches()) { observer.disconnect(); done(true); } });
            observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
            """
        do {
            _ = try await command("POST", "execute/async", ["script": script, "args": [selector, text]])
        } catch {
            let seen = (try? await self.text(of: selector)) ?? "(missing)"
            throw TestBrokerError(message: "waited for \"\(text)\" in \(selector), saw \"\(seen)\": \(error)")
        }
    }

    public func quit() async {
        _ = try? await Self.request(base, "DELETE", "/session/\(sessionID)", nil)
        driver.terminate()
        try? FileManager.default.removeItem(at: profile)
    }

    func command(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> Any? {
        let reply = try await Self.request(base, method, "/session/\(sessionID)/\(path)", body)
        if let value = reply["value"] as? [String: Any], let error = value["error"] as? String {
            throw TestBrokerError(message: "WebDriver \(path): \(error): \(value["message"] as? String ?? "")")
        }
        return reply["value"] ?? nil
    }

    static func request(_ base: URL, _ method: String, _ path: String, _ body: [String: Any]?) async throws -> [String: Any] {
        let reply = try await LocalHTTP.send(
            port: base.port ?? 80, method: method, path: path, body: try body.map { try JSONSerialization.data(withJSONObject: $0) })
        return (try JSONSerialization.jsonObject(with: reply.body)) as? [String: Any] ?? [:]
    }
}
