import CLibSSL
import CRSHTLS
import Synchronization

/// One side's TLS settings, made once and shared by all of its connections
/// (an `SSL_CTX`): TLS 1.3 only, its own key in a self-signed certificate,
/// an optional pre-shared key, and how the peer's key is judged. OpenSSL
/// allows connections to be made from one context on many threads at once,
/// as long as the context is not changed after it is made (and it is not).
public final class TLSContext: @unchecked Sendable {
    public enum Role: Sendable { case client, server }

    /// How the peer's certificate, that is its key, is judged.
    public enum PeerKeys: Sendable {
        /// No certificate is asked for (a server that does not authenticate clients).
        case notRequested
        /// Any Ed25519 key is accepted in the handshake; the caller compares it
        /// with what it knows before it sends anything (the client and known_hosts).
        case anyKey
        /// A certificate is required, and only a key this says yes to is accepted:
        /// anything else fails the handshake with a bad_certificate alert
        /// (a server and its authorized_keys).
        case authorized(@Sendable (Ed25519PublicKey) -> Bool)
    }

    /// The identity sent with a pre-shared key. Fixed: one server has one key,
    /// and the identity travels in clear in the ClientHello. Never written after it is made.
    nonisolated(unsafe) static let preSharedKeyIdentity: UnsafeMutableBufferPointer<UInt8> = {
        let bytes = Array("rsh".utf8)
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = storage.initialize(from: bytes)
        return storage
    }()
    /// External PSKs hash with SHA-256 unless agreed otherwise (RFC 8446,
    /// section 4.2.11), so their session is bound to TLS_AES_128_GCM_SHA256.
    private static let preSharedKeyCipher: [UInt8] = [0x13, 0x01]
    /// The session ID context every rsh context has (crsh_tls_configure_context sets the same).
    private static let sessionContext = Array("rsh".utf8)

    public let role: Role
    let context: OpaquePointer
    let peerKeys: PeerKeys
    let preSharedKey: [UInt8]?
    private let identity: Ed25519PrivateKey?
    /// A client's certificate, made once (`identityCertificate`).
    private let clientCertificate = Mutex<OpaquePointer?>(nil)

    public init(role: Role, identity: Ed25519PrivateKey?, preSharedKey: [UInt8]? = nil, peerKeys: PeerKeys) throws(TLSError) {
        OpenSSLLibrary.initialize()
        guard let context = SSL_CTX_new(role == .server ? TLS_server_method() : TLS_client_method()) else {
            throw TLSError(.configuration, OpenSSLErrorQueue.drainText())
        }
        self.role = role
        self.context = context
        self.peerKeys = peerKeys
        self.preSharedKey = preSharedKey
        guard crsh_tls_configure_context(context) == 1 else { throw TLSError(.configuration, OpenSSLErrorQueue.drainText()) }
        self.identity = identity
        let this = Unmanaged.passUnretained(self).toOpaque()
        SSL_CTX_set_ex_data(context, 0, this)
        switch (role, identity) {
        case (.server, let identity?):
            let certificate = try SelfSignedCertificate.make(for: identity)
            defer { X509_free(certificate) }
            guard SSL_CTX_use_certificate(context, certificate) == 1, SSL_CTX_use_PrivateKey(context, identity.key) == 1,
                  SSL_CTX_check_private_key(context) == 1 else {
                throw TLSError(.configuration, OpenSSLErrorQueue.drainText())
            }
        case (.server, nil):
            throw TLSError(.configuration, "a server needs a host key")
        case (.client, _?):
            // Presented when a server asks for it. It is made once, by
            // `prepareCertificate` while the client waits for the server's
            // first answer (so the signing costs no wait), or else here.
            SSL_CTX_set_cert_cb(context, Self.presentCertificate, this)
        case (.client, nil):
            break
        }
        switch peerKeys {
        case .notRequested:
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        case .anyKey:
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            SSL_CTX_set_cert_verify_callback(context, Self.verifyPeerKey, this)
        case .authorized:
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
            SSL_CTX_set_cert_verify_callback(context, Self.verifyPeerKey, this)
        }
        if preSharedKey != nil {
            switch role {
            case .server:
                SSL_CTX_set_psk_find_session_callback(context, Self.findPreSharedKey)
            case .client:
                SSL_CTX_set_psk_use_session_callback(context, Self.usePreSharedKey)
                // The server takes the client's order: SHA-256 suites first, so
                // that the one it picks can use the SHA-256-bound key.
                guard SSL_CTX_set_ciphersuites(context, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256") == 1 else {
                    throw TLSError(.configuration, OpenSSLErrorQueue.drainText())
                }
            }
        }
    }

    deinit {
        SSL_CTX_free(context)
        clientCertificate.withLock { certificate in certificate.map { X509_free($0) } }
    }

    // MARK: Callbacks (called by OpenSSL inside a handshake step)

    /// A client's answer to a certificate request: the identity's
    /// certificate (made already by `prepareCertificate`, or made here).
    private static let presentCertificate: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = { ssl, argument in
        guard let ssl, let argument else { return 0 }
        let context = Unmanaged<TLSContext>.fromOpaque(argument).takeUnretainedValue()
        guard let identity = context.identity else { return 1 }
        guard let certificate = context.identityCertificate(), SSL_use_certificate(ssl, certificate) == 1,
              SSL_use_PrivateKey(ssl, identity.key) == 1 else { return 0 }
        return 1
    }

    /// The identity's certificate, made on the first call; `nil` without an identity.
    private func identityCertificate() -> OpaquePointer? {
        guard let identity else { return nil }
        return clientCertificate.withLock { cached in
            if cached == nil { cached = try? SelfSignedCertificate.make(for: identity) }
            return cached
        }
    }

    /// Makes a client's certificate now, if it has an identity and none is
    /// made yet: a client that has sent its hello does it while the server
    /// works on the answer (X.509 encoding and an Ed25519 signature, ~0.5
    /// ms here), instead of after the answer arrives. A server that asks for
    /// no certificate (no authorized_keys) never needs it: that client spends
    /// the signing for nothing, on the second core, during a wait it has
    /// anyway; a server that does ask is the usual case beyond loopback.
    public func prepareCertificate() {
        guard role == .client else { return }
        _ = identityCertificate()
    }

    /// Replaces chain verification (`SSL_CTX_set_cert_verify_callback`):
    /// no CA, no name, no dates; only the key counts.
    private static let verifyPeerKey: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = { store, argument in
        guard let store, let argument else { return 0 }
        let context = Unmanaged<TLSContext>.fromOpaque(argument).takeUnretainedValue()
        let ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()).map(OpaquePointer.init)
        let session = ssl.flatMap { TLSSession.owner(of: $0) }
        guard let certificate = X509_STORE_CTX_get0_cert(store), let key = SelfSignedCertificate.publicKey(of: certificate) else {
            X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED)
            return 0
        }
        session?.presentedPeerKey = key
        switch context.peerKeys {
        case .notRequested, .anyKey:
            return 1
        case .authorized(let isAuthorized):
            guard isAuthorized(key) else {
                X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED)
                return 0
            }
            return 1
        }
    }

    /// The server's side of an external PSK: the session for the identity the client named.
    private static let findPreSharedKey: @convention(c) (OpaquePointer?, UnsafePointer<UInt8>?, Int,
                                                         UnsafeMutablePointer<OpaquePointer?>?) -> Int32 = { ssl, identity, length, session in
        session?.pointee = nil
        guard let ssl, let context = owner(of: ssl), let key = context.preSharedKey, let identity,
              UnsafeBufferPointer(start: identity, count: length).elementsEqual(preSharedKeyIdentity) else {
            return 1  // no such key: the handshake goes on without one (and needs a certificate)
        }
        session?.pointee = makePreSharedKeySession(ssl, key: key)
        return session?.pointee == nil ? 0 : 1
    }

    /// The client's side: offer the key, unless the handshake is bound to another hash.
    private static let usePreSharedKey: @convention(c) (OpaquePointer?, OpaquePointer?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
                                                        UnsafeMutablePointer<Int>?, UnsafeMutablePointer<OpaquePointer?>?) -> Int32 = {
        ssl, digest, identity, length, session in
        session?.pointee = nil
        identity?.pointee = nil
        length?.pointee = 0
        guard let ssl, let context = owner(of: ssl), let key = context.preSharedKey,
              let cipher = SSL_CIPHER_find(ssl, preSharedKeyCipher) else { return 1 }
        if let digest, SSL_CIPHER_get_handshake_digest(cipher) != digest { return 1 }
        guard let made = makePreSharedKeySession(ssl, key: key) else { return 0 }
        session?.pointee = made
        identity?.pointee = UnsafePointer(preSharedKeyIdentity.baseAddress)
        length?.pointee = preSharedKeyIdentity.count
        return 1
    }

    private static func makePreSharedKeySession(_ ssl: OpaquePointer, key: [UInt8]) -> OpaquePointer? {
        guard let cipher = SSL_CIPHER_find(ssl, preSharedKeyCipher), let session = SSL_SESSION_new() else { return nil }
        // The session context must be the server's (see crsh_tls_configure_context), or OpenSSL refuses to use it.
        guard SSL_SESSION_set1_master_key(session, key, key.count) == 1, SSL_SESSION_set_cipher(session, cipher) == 1,
              SSL_SESSION_set_protocol_version(session, TLS1_3_VERSION) == 1,
              SSL_SESSION_set1_id_context(session, sessionContext, UInt32(sessionContext.count)) == 1 else {
            SSL_SESSION_free(session)
            return nil
        }
        return session
    }

    private static func owner(of ssl: OpaquePointer) -> TLSContext? {
        guard let context = SSL_get_SSL_CTX(ssl), let pointer = SSL_CTX_get_ex_data(context, 0) else { return nil }
        return Unmanaged<TLSContext>.fromOpaque(pointer).takeUnretainedValue()
    }
}
