import RemoteShell
import Testing

/// A server configuration the conformance suite runs against: a mode, and
/// how the server knows its clients.
struct Setup: Hashable, Sendable, CustomTestStringConvertible {
    enum Security: String, Hashable, Sendable, CaseIterable {
        /// No client authentication: the test client speaks v1 in clear.
        case plain
        /// authorized_keys: the test client speaks TLS with the tests' identity.
        case publicKey
        /// A pre-shared key (`--key-file`): the test client speaks TLS with it.
        case preSharedKey
    }

    let mode: ServerMode
    let security: Security

    static let all = ServerMode.allCases.flatMap { mode in Security.allCases.map { Setup(mode: mode, security: $0) } }
    /// The setups that serve classic clients (no client authentication).
    static let plain = all.filter { $0.security == .plain }

    var testDescription: String {
        switch security {
        case .plain: return mode.rawValue
        case .publicKey: return mode.rawValue + " over TLS with a public key"
        case .preSharedKey: return mode.rawValue + " over TLS with a pre-shared key"
        }
    }

    /// The options of a server of this setup.
    var serverOptions: [String] {
        switch security {
        case .plain: return []
        case .publicKey: return ["--authorized-keys", TestHome.authorizedKeysPath]
        case .preSharedKey: return ["--key-file", TestKey.path]
        }
    }

    /// The options the real rsh needs against such a server.
    var rshOptions: [String] {
        switch security {
        case .plain, .publicKey: return []
        case .preSharedKey: return ["--key-file", TestKey.path]
        }
    }

    /// The hello's `auth`.
    var expectedAuth: String {
        switch security {
        case .plain: return "none"
        case .publicKey: return "publickey"
        case .preSharedKey: return "psk"
        }
    }

    var server: ServerProcess { SharedServers.server(self) }

    func client() throws -> TestClient {
        switch security {
        case .plain: return try TestClient(port: server.port)
        case .publicKey: return try TestClient(port: server.port, tls: .identity(TestHome.identity))
        case .preSharedKey: return try TestClient(port: server.port, tls: .preSharedKey(TestKey.bytes))
        }
    }
}
