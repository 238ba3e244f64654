import RemoteShell
import Testing

/// How the robustness tests' clients reach their own servers: in clear, or
/// over TLS logging in with the tests' key (the server then has an
/// authorized_keys file, and accepts TLS only).
enum Wire: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case plain
    case tls

    var testDescription: String { self == .tls ? "over TLS" : "in clear" }

    /// The options that make a server of this wire.
    var serverOptions: [String] { self == .tls ? ["--authorized-keys", TestHome.authorizedKeysPath] : [] }

    /// The first bytes a client sends: the preface and hello, or a TLS ClientHello.
    var opening: [UInt8] {
        switch self {
        case .plain: return BadInputTests.opening
        case .tls: return (try? TestClient.clientHello()) ?? []
        }
    }
}
