import CLibSSL
import CRSHTLS

/// The X.509 certificate each side presents: self-signed, made in memory
/// from the side's Ed25519 key when its TLS context is made. It is only a
/// carrier for the public key. Nobody checks its name, issuer or dates:
/// peers are verified by the key itself (against known_hosts or
/// authorized_keys), as Syncthing and libp2p do, and TLS 1.3's
/// CertificateVerify proves that the peer holds the matching private key.
enum SelfSignedCertificate {
    /// Ten years: long enough never to matter; no peer looks at it.
    private static let validityDays: Int = 3650

    /// A new certificate for `key`; the caller frees it (`X509_free`).
    static func make(for key: Ed25519PrivateKey) throws(TLSError) -> OpaquePointer {
        let signed = try signedWithoutKeyObject(for: key)
        defer { X509_free(signed) }
        let certificate = try reread(signed)
        // The key was set as bytes: the certificate read back must carry it.
        guard publicKey(of: certificate) == key.publicKey else {
            X509_free(certificate)
            throw TLSError(.configuration, "the certificate made does not carry its key")
        }
        return certificate
    }

    /// The certificate, signed, whose subject key is set as its bytes
    /// (`crsh_tls_set_ed25519_public_key`) and so has no key object behind
    /// it, which libssl needs. `X509_set_pubkey` would give it one, but in
    /// OpenSSL 3.0 it sends a key made by a provider through the encoder
    /// framework and back through the decoder framework: ~5 million
    /// instructions, a sixth of all `rsh HOST true` does over TLS
    /// (callgrind). Reading the finished certificate back (`reread`) costs
    /// the decoder alone, once.
    private static func signedWithoutKeyObject(for key: Ed25519PrivateKey) throws(TLSError) -> OpaquePointer {
        guard let certificate = X509_new() else { throw TLSError(.configuration, OpenSSLErrorQueue.drainText()) }
        do throws(TLSError) {
            try check(X509_set_version(certificate, 2))  // X.509 v3
            // A random serial, as RFC 5280 asks: two certificates for one key still differ.
            var serial = [UInt8](repeating: 0, count: 16)
            try check(RAND_bytes(&serial, Int32(serial.count)))
            serial[0] &= 0x7F
            guard let number = BN_bin2bn(serial, Int32(serial.count), nil) else { throw TLSError(.configuration, "BN_bin2bn failed") }
            defer { BN_free(number) }
            guard BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil else {
                throw TLSError(.configuration, OpenSSLErrorQueue.drainText())
            }
            guard X509_gmtime_adj(X509_getm_notBefore(certificate), -3600) != nil,
                  X509_time_adj_ex(X509_getm_notAfter(certificate), Int32(validityDays), 0, nil) != nil else {
                throw TLSError(.configuration, OpenSSLErrorQueue.drainText())
            }
            guard let name = X509_get_subject_name(certificate) else { throw TLSError(.configuration, "no subject name") }
            try check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, "rsh", -1, -1, 0))
            try check(X509_set_issuer_name(certificate, name))
            try check(crsh_tls_set_ed25519_public_key(certificate, key.publicKey.bytes))
            // Ed25519 signs the whole message itself: no separate digest (nil).
            guard X509_sign(certificate, key.key, nil) > 0 else { throw TLSError(.configuration, OpenSSLErrorQueue.drainText()) }
            return certificate
        } catch {
            X509_free(certificate)
            throw error
        }
    }

    /// A copy of `certificate` made by writing it out as DER and parsing
    /// that, which decodes its key.
    private static func reread(_ certificate: OpaquePointer) throws(TLSError) -> OpaquePointer {
        let length = i2d_X509(certificate, nil)
        guard length > 0 else { throw TLSError(.configuration, OpenSSLErrorQueue.drainText()) }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_X509(certificate, &cursor)
        }
        guard written == length else { throw TLSError(.configuration, OpenSSLErrorQueue.drainText()) }
        let parsed = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_X509(nil, &cursor, Int(length))
        }
        guard let parsed else { throw TLSError(.configuration, OpenSSLErrorQueue.drainText()) }
        return parsed
    }

    /// The Ed25519 key a certificate carries; `nil` for any other kind of key.
    static func publicKey(of certificate: OpaquePointer) -> Ed25519PublicKey? {
        guard let key = X509_get0_pubkey(certificate), EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Ed25519PublicKey.length)
        var length = bytes.count
        guard EVP_PKEY_get_raw_public_key(key, &bytes, &length) == 1 else {
            _ = OpenSSLErrorQueue.drain()
            return nil
        }
        return Ed25519PublicKey(bytes: bytes)
    }

    private static func check(_ result: Int32) throws(TLSError) {
        guard result == 1 else { throw TLSError(.configuration, OpenSSLErrorQueue.drainText()) }
    }
}
