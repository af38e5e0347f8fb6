/// TLS settings for `amqps` connections (TLS 1.2 and newer only).
public struct TLSConfiguration: Sendable, Hashable {
    /// PEM file of the certificate authorities that may sign the broker's certificate.
    public var caFile: String?
    /// PEM client certificate, for mutual TLS and SASL EXTERNAL.
    public var certificateFile: String?
    /// PEM private key of `certificateFile`.
    public var keyFile: String?
    /// Verify the broker's certificate chain against `caFile`. Off only for local experiments.
    public var verifyPeer: Bool
    /// Verify that the broker's certificate names the host connected to.
    public var verifyHostname: Bool

    public init(
        caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
        verifyPeer: Bool = true, verifyHostname: Bool = true
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.verifyPeer = verifyPeer
        self.verifyHostname = verifyHostname
    }
}
