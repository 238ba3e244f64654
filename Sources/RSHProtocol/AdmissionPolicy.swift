/// Who the server lets in, and over what: every rule in one place.
///
/// - A server that authenticates its clients (an authorized_keys file, or a
///   pre-shared key) accepts TLS only. In clear, v1 gets `tls_required` and
///   classic a reply with exit code 255.
/// - A server that does not serves only its own user and root (it listens
///   on loopback or a Unix socket, where the kernel can say who the peer
///   is): anyone else gets `forbidden` (classic: exit code 255), before
///   anything runs. Over TLS, v1 in clear and classic are all accepted.
/// - A Unix socket checks its peer whatever else is configured.
public struct AdmissionPolicy: Hashable, Sendable {
    public var authenticatesClients: Bool

    public init(authenticatesClients: Bool) {
        self.authenticatesClients = authenticatesClients
    }

    /// The terms for a connection over `transport`, from a peer of
    /// `standing`, that TLS authenticated as `authenticated` (`.none` in clear).
    public func admission(over transport: Transport, peer standing: PeerStanding,
                          authenticated: ClientAuthentication) -> Admission {
        if case .stranger(let uid) = standing {
            let who = uid.map { "uid \($0)" } ?? "a user the kernel could not name"
            return Admission(clientAuthentication: authenticated,
                             refusal: ProtocolError(.forbidden, "this server serves only its own user, not \(who)"),
                             acceptsClassic: transport == .plain)
        }
        switch transport {
        case .plain where authenticatesClients:
            return Admission(clientAuthentication: .none,
                             refusal: ProtocolError(.tlsRequired, "this server authenticates its clients, so it accepts TLS only "
                                                    + "(rsh does so unless told --plain)"),
                             acceptsClassic: true)
        case .plain:
            return Admission(clientAuthentication: .none, acceptsClassic: true)
        case .tls:
            return Admission(clientAuthentication: authenticated, acceptsClassic: false)
        }
    }
}
