import RSHSystem
import RSHTLS

/// Why a byte stream failed: the socket, or the TLS layer above it.
enum TransportError: Error, CustomStringConvertible {
    case system(Errno)
    case tls(TLSError)
    /// Plaintext to send before the TLS handshake is done: nothing can be
    /// said to this peer (the handshake deadline passed while it lasted).
    case notEstablished

    var description: String {
        switch self {
        case .system(let errno): return "\(errno)"
        case .tls(let error): return "TLS: \(error.detail)"
        case .notEstablished: return "the TLS handshake did not finish"
        }
    }
}
