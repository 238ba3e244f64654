/// The terms one connection is served on, decided once its transport and
/// its peer are known (`AdmissionPolicy`), before the session reads a byte
/// of it.
public struct Admission: Hashable, Sendable {
    /// What the hello says (`auth`).
    public var clientAuthentication: ClientAuthentication
    /// When set, the connection is answered with this error and closed, in
    /// the format its first byte asks for (a v1 error frame, or a classic
    /// reply with exit code 255), and nothing runs.
    public var refusal: ProtocolError?
    /// Whether a classic command is served (classic exists in clear only).
    public var acceptsClassic: Bool

    public init(clientAuthentication: ClientAuthentication, refusal: ProtocolError? = nil, acceptsClassic: Bool) {
        self.clientAuthentication = clientAuthentication
        self.refusal = refusal
        self.acceptsClassic = acceptsClassic
    }

    /// A plain connection with nothing checked: what a session is on until told otherwise.
    public static let open = Admission(clientAuthentication: .none, acceptsClassic: true)
}
