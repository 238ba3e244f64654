import RemoteShell
import Testing

/// A server configuration the conformance suite runs against: a mode, with
/// or without a pre-shared key (then every frame carries an integrity trailer).
struct Setup: Hashable, Sendable, CustomTestStringConvertible {
    let mode: ServerMode
    let authenticated: Bool

    static let all = ServerMode.allCases.flatMap { [Setup(mode: $0, authenticated: false), Setup(mode: $0, authenticated: true)] }
    static let unauthenticated = all.filter { !$0.authenticated }

    var testDescription: String { mode.rawValue + (authenticated ? " with a key" : "") }

    var server: ServerProcess { SharedServers.server(self) }

    func client() throws -> TestClient {
        try TestClient(port: server.port, key: authenticated ? TestKey.bytes : nil)
    }
}
