import RSHProtocol
import RSHSystem
import RSHTLS

/// What the server proves and checks, made once at start and shared by
/// every connection: its host key (carried in its TLS certificate), who may
/// log in (authorized_keys), and the admission policy that follows from it.
final class ServerSecurity: Sendable {
    let hostKey: Ed25519PrivateKey
    let hostKeyPath: String
    let tls: TLSContext
    let authorizedKeys: AuthorizedKeys?
    let policy: AdmissionPolicy
    /// Anyone who can reach the server may run commands (it was told `--allow-unauthenticated`).
    let isOpenToTheNetwork: Bool
    /// Clients may log in with the pre-shared key.
    let preSharedKey: Bool

    /// The authorized_keys file in use: `--authorized-keys`, or the default
    /// one if it exists. Read before anything else, since it decides whether
    /// the server authenticates its clients at all.
    static func authorizedKeys(_ configuration: ServerConfiguration, logger: Logger) throws(ServerError) -> AuthorizedKeys? {
        var path = configuration.authorizedKeysPath
        if path == nil, let defaultPath = RSHPaths.authorizedKeys, (try? FileStatus(path: defaultPath)) != nil { path = defaultPath }
        guard let path else { return nil }
        do {
            return try AuthorizedKeys(path: path, logger: logger)
        } catch {
            throw .unusableKey(error.description)
        }
    }

    /// Loads (or makes) the host key; a file that cannot be used stops the
    /// server with its reason. `configuration.key` is the pre-shared key, if any.
    init(configuration: ServerConfiguration, authorizedKeys: AuthorizedKeys?, logger: Logger) throws(ServerError) {
        guard let hostKeyPath = configuration.hostKeyPath ?? RSHPaths.hostKey else {
            throw .unusableKey("no home directory for ~/.rsh/host_ed25519; give --host-key FILE")
        }
        self.hostKeyPath = hostKeyPath
        do {
            let (key, created) = try IdentityFile.loadOrCreate(hostKeyPath)
            hostKey = key
            if created { logger.notice("made a new host key in \(hostKeyPath)") }
        } catch {
            throw .unusableKey(error.description)
        }
        self.authorizedKeys = authorizedKeys
        isOpenToTheNetwork = Self.isOpenToTheNetwork(configuration, authorizedKeys: authorizedKeys)
        policy = AdmissionPolicy(authenticatesClients: authorizedKeys != nil || configuration.key != nil)
        preSharedKey = configuration.key != nil
        // Every client of a server that authenticates must log in: with the
        // pre-shared key, or with a certificate whose key is authorized (none
        // is, when there is no authorized_keys file).
        let peerKeys: TLSContext.PeerKeys = policy.authenticatesClients
            ? .authorized { authorizedKeys?.comment(for: $0) != nil } : .notRequested
        do {
            tls = try TLSContext(role: .server, identity: hostKey, preSharedKey: configuration.key, peerKeys: peerKeys)
        } catch {
            throw .unusableKey("cannot set up TLS: \(error)")
        }
    }

    /// How clients are authenticated, for the start-up line: "publickey", "psk", both, or "none".
    var clientAuthentication: String {
        let methods = (authorizedKeys == nil ? [] : [ClientAuthentication.publicKey]) + (preSharedKey ? [.preSharedKey] : [])
        return methods.isEmpty ? ClientAuthentication.none.rawValue : methods.map(\.rawValue).joined(separator: ",")
    }

    /// Whether anyone who can reach the server may run commands: no client
    /// authentication, and an address beyond this machine.
    static func isOpenToTheNetwork(_ configuration: ServerConfiguration, authorizedKeys: AuthorizedKeys?) -> Bool {
        authorizedKeys == nil && configuration.key == nil && configuration.listenAddresses.contains { !$0.isLoopback }
    }
}
