import CLibSSL

/// Why a TLS connection failed, sorted into what a user can act on, with
/// OpenSSL's own words kept for the log.
public struct TLSError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// A context, key or certificate could not be set up.
        case configuration
        /// The peer does not accept our key (its alert: bad_certificate).
        case peerRefusedOurKey
        /// The peer wants a key and we sent none (its alert: certificate_required).
        case peerRequiresKey
        /// We refused the peer's key: not an Ed25519 key, or not an authorized one.
        case peerKeyRefused
        /// We asked the peer for a key and it sent none.
        case peerSentNoKey
        /// The pre-shared keys of the two sides differ.
        case preSharedKeyMismatch
        /// What the peer sent is not TLS at all.
        case notTLS
        /// A record failed its authentication: it was altered on the way.
        case integrity
        /// Anything else the peer got wrong, or an alert this list does not name.
        case protocolViolation
    }

    public let kind: Kind
    /// OpenSSL's error queue, for the log.
    public let detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }

    /// The error OpenSSL just reported, from its error queue (which this empties).
    static func fromQueue() -> TLSError {
        let entries = OpenSSLErrorQueue.drain()
        let detail = entries.isEmpty ? "the TLS connection failed" : entries.map(\.text).joined(separator: "; ")
        var kind = Kind.protocolViolation
        for entry in entries where entry.library == ERR_LIB_SSL {
            switch entry.reason {
            case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE: kind = .peerRefusedOurKey
            case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED: kind = .peerRequiresKey
            case SSL_R_CERTIFICATE_VERIFY_FAILED: kind = .peerKeyRefused
            case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE: kind = .peerSentNoKey
            case SSL_R_BINDER_DOES_NOT_VERIFY, SSL_R_TLSV1_ALERT_DECRYPT_ERROR: kind = .preSharedKeyMismatch
            case SSL_R_WRONG_VERSION_NUMBER, SSL_R_HTTP_REQUEST, SSL_R_PACKET_LENGTH_TOO_LONG, SSL_R_UNSUPPORTED_PROTOCOL:
                kind = .notTLS
            case SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC, SSL_R_SSLV3_ALERT_BAD_RECORD_MAC: kind = .integrity
            default: continue
            }
        }
        return TLSError(kind, detail)
    }
}
