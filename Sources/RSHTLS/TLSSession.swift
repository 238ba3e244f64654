import CLibSSL
import CRSHTLS

/// One TLS connection as a pure byte transform, after SwiftNIO's NIOSSL:
/// ciphertext from the peer goes in (`receive`), plaintext comes out
/// (`read`); plaintext goes in (`write`), ciphertext to send comes out
/// (`withOutbound`, `consumeOutbound`). OpenSSL reads and writes through a
/// memory BIO of our own (`TLSMemoryBIO`), whose two byte queues are the
/// session's, so nothing here touches a socket: the caller moves the bytes,
/// and waits for its socket in whatever way it waits. (OpenSSL's BIO_s_mem
/// would do the same with more copying: it zeroes the room it grows into on
/// every write, and its bytes can be taken only by copying them out.)
///
/// Any call may leave ciphertext to send: handshake messages during a
/// `read`, an alert when the peer misbehaved, close_notify after `close`.
/// The caller sends `outboundByteCount` bytes after every call.
/// Not thread-safe: one connection, one thread at a time.
public final class TLSSession {
    public enum PlaintextRead: Hashable, Sendable {
        case bytes(Int)
        /// Nothing to return until more ciphertext is received.
        case needsInput
        /// The peer sent close_notify: no more plaintext will come.
        case closed
    }

    public let role: TLSContext.Role
    private let ssl: OpaquePointer
    /// Ciphertext received and not yet taken by OpenSSL.
    var inbound = ByteQueue()
    /// Ciphertext OpenSSL produced and the caller has not yet sent.
    var outbound = ByteQueue()
    /// The key the peer's certificate carried, once the handshake has seen it
    /// (set even when it was refused, so that the refusal can name it).
    public internal(set) var presentedPeerKey: Ed25519PublicKey?
    private var failure: TLSError?
    /// Keeps the context alive as long as OpenSSL's connection refers to it.
    private let context: TLSContext

    public init(_ context: TLSContext) throws(TLSError) {
        self.context = context
        role = context.role
        guard let ssl = SSL_new(context.context) else { throw TLSError(.configuration, OpenSSLErrorQueue.drainText()) }
        guard let bio = BIO_new(TLSMemoryBIO.method) else {
            SSL_free(ssl)
            throw TLSError(.configuration, OpenSSLErrorQueue.drainText())
        }
        self.ssl = ssl
        BIO_set_data(bio, Unmanaged.passUnretained(self).toOpaque())
        SSL_set_bio(ssl, bio, bio)  // the connection owns it from here on
        SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque())
        if role == .server { SSL_set_accept_state(ssl) } else { SSL_set_connect_state(ssl) }
    }

    deinit { SSL_free(ssl) }

    /// The session an OpenSSL connection belongs to (for the callbacks).
    static func owner(of ssl: OpaquePointer) -> TLSSession? {
        SSL_get_ex_data(ssl, 0).map { Unmanaged<TLSSession>.fromOpaque($0).takeUnretainedValue() }
    }

    // MARK: Ciphertext

    /// Ciphertext from the peer.
    public func receive(_ ciphertext: UnsafeRawBufferPointer) {
        inbound.append(ciphertext)
    }

    /// Ciphertext from the peer, which `read` puts straight into the
    /// session's queue (up to `count` bytes, `count` > 0) and counts; `nil`
    /// or 0 when it had none.
    public func receive<Failure: Error>(
        upTo count: Int, _ read: (UnsafeMutableRawBufferPointer) throws(Failure) -> Int?
    ) throws(Failure) -> Int? {
        try inbound.append(upTo: count, read)
    }

    /// Bytes to send to the peer.
    public var outboundByteCount: Int { outbound.count }

    /// Calls `body` with the ciphertext waiting to be sent, from its start, without copying it.
    public func withOutbound<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(outbound.bytes)
    }

    /// The first `count` bytes of the ciphertext were sent.
    public func consumeOutbound(_ count: Int) {
        outbound.consume(count)
    }

    /// Room for the ciphertext of `count` bytes of plaintext, in one
    /// allocation: a TLS 1.3 record carries at most 16 KiB of plaintext, and
    /// adds a 5-byte header, the content type byte and a 16-byte tag.
    public func reserveOutbound(forPlaintext count: Int) {
        outbound.reserveCapacity(count + (count / 16_384 + 1) * 22)
    }

    /// Gives the outbound storage back once everything in it has been sent.
    public func releaseOutboundStorage() {
        outbound.releaseStorage()
    }

    // MARK: The handshake

    /// Whether the handshake has completed (on our side).
    public var isEstablished: Bool { SSL_is_init_finished(ssl) == 1 }

    /// Takes the handshake as far as the received ciphertext allows: `true`
    /// once it is complete. A client's last flight is then in the outbound
    /// bytes, not yet sent, so the caller can check the server's key first.
    public func handshake() throws(TLSError) -> Bool {
        if let failure { throw failure }
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return true }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return false
        default: throw fail()
        }
    }

    /// The peer's key, from its certificate; `nil` when it sent none (a
    /// client of a server that asks for none, or a pre-shared key handshake).
    public var peerKey: Ed25519PublicKey? {
        guard let certificate = SSL_get0_peer_certificate(ssl) else { return nil }
        return SelfSignedCertificate.publicKey(of: certificate)
    }

    /// Whether the handshake used the pre-shared key (then neither side sent a certificate).
    public var usedPreSharedKey: Bool { isEstablished && SSL_session_reused(ssl) == 1 }

    /// The (EC)DHE group of the handshake ("X25519"): with one, the session
    /// keys do not follow from long-term keys alone (forward secrecy).
    public var keyExchangeGroup: String? { crsh_tls_key_exchange_group(ssl).map { String(cString: $0) } }

    /// The cipher suite ("TLS_AES_256_GCM_SHA384").
    public var cipherSuite: String? { SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } }

    /// "TLSv1.3 TLS_AES_256_GCM_SHA384 X25519", for the log.
    public var parameters: String {
        [String(cString: SSL_get_version(ssl)), cipherSuite ?? "none", keyExchangeGroup ?? "no-dhe"].joined(separator: " ")
    }

    // MARK: Plaintext

    /// Decrypts what has been received into `buffer` (completing the
    /// handshake first, if it is not yet complete).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TLSError) -> PlaintextRead {
        if let failure { throw failure }
        guard buffer.count > 0 else { return .needsInput }
        ERR_clear_error()
        let result = SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        if result > 0 { return .bytes(Int(result)) }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .needsInput
        case SSL_ERROR_ZERO_RETURN: return .closed
        default: throw fail()
        }
    }

    /// Whether received bytes wait inside: decrypted and not yet read, or not
    /// yet decrypted. Then `read` may return more without any new input.
    public var hasBufferedInput: Bool { SSL_has_pending(ssl) == 1 || !inbound.isEmpty }

    /// Encrypts `plaintext`; returns how many of its bytes were taken (all of
    /// them, once the handshake is complete: the outbound buffer is memory).
    public func write(_ plaintext: UnsafeRawBufferPointer) throws(TLSError) -> Int {
        if let failure { throw failure }
        guard plaintext.count > 0 else { return 0 }
        ERR_clear_error()
        let result = SSL_write(ssl, plaintext.baseAddress, Int32(min(plaintext.count, Int(Int32.max))))
        if result > 0 { return Int(result) }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return 0
        default: throw fail()
        }
    }

    /// Queues close_notify: the peer learns that nothing more follows, and
    /// that what it read was not cut short.
    public func close() {
        guard isEstablished, failure == nil else { return }
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        _ = OpenSSLErrorQueue.drain()
    }

    /// Records and returns the error OpenSSL just reported. OpenSSL has put
    /// any alert for the peer in the outbound bytes; the connection is over.
    private func fail() -> TLSError {
        let error = TLSError.fromQueue()
        failure = error
        return error
    }
}
