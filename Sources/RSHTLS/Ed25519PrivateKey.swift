import CLibSSL
import CRSHTLS

/// An Ed25519 private key, held by libcrypto (`EVP_PKEY`). Read from PEM
/// PKCS#8 (what `openssl genpkey -algorithm ED25519` and `rsh keygen` write)
/// or from an unencrypted OpenSSH private key (what `ssh-keygen -t ed25519
/// -N ''` writes); written as PEM PKCS#8.
public final class Ed25519PrivateKey: @unchecked Sendable {
    /// Owned; read-only after creation, so one key may be shared by threads.
    let key: OpaquePointer
    public let publicKey: Ed25519PublicKey
    /// The comment an OpenSSH key file carries; empty for PEM.
    public let comment: String

    private init(taking key: OpaquePointer, comment: String) throws(KeyFormatError) {
        self.key = key
        self.comment = comment
        guard EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else {
            let type = EVP_PKEY_get0_type_name(key).map { String(cString: $0) } ?? "non-Ed25519"
            EVP_PKEY_free(key)
            throw .notEd25519(type)
        }
        var bytes = [UInt8](repeating: 0, count: Ed25519PublicKey.length)
        var length = bytes.count
        guard EVP_PKEY_get_raw_public_key(key, &bytes, &length) == 1, let publicKey = Ed25519PublicKey(bytes: bytes) else {
            EVP_PKEY_free(key)
            throw .libcrypto(OpenSSLErrorQueue.drainText())
        }
        self.publicKey = publicKey
    }

    /// The key whose RFC 8032 private key (the 32-byte seed) is `seed`.
    private convenience init(seed: [UInt8], comment: String) throws(KeyFormatError) {
        let key = seed.withUnsafeBufferPointer { EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count) }
        guard let key else { throw .libcrypto(OpenSSLErrorQueue.drainText()) }
        try self.init(taking: key, comment: comment)
    }

    deinit { EVP_PKEY_free(key) }

    /// A new key from libcrypto's random generator.
    public static func generate() throws(KeyFormatError) -> Ed25519PrivateKey {
        OpenSSLLibrary.initialize()
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else { throw .libcrypto(OpenSSLErrorQueue.drainText()) }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_keygen(context, &key) == 1, let key else {
            throw .libcrypto(OpenSSLErrorQueue.drainText())
        }
        return try Ed25519PrivateKey(taking: key, comment: "")
    }

    /// The key in `contents`: PEM PKCS#8 or an unencrypted OpenSSH key.
    public convenience init(fileContents contents: [UInt8]) throws(KeyFormatError) {
        OpenSSLLibrary.initialize()
        if let seed = PKCS8Ed25519.seed(in: contents) {
            try self.init(seed: seed, comment: "")
            return
        }
        let text = String(decoding: contents, as: UTF8.self)
        if text.contains(OpenSSHPrivateKeyContainer.beginLine) {
            let (seed, publicKey, comment) = try OpenSSHPrivateKeyContainer.read(text)
            try self.init(seed: seed, comment: comment)
            guard self.publicKey == publicKey else { throw .malformed("the private key does not match its public key") }
            return
        }
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED") {
            throw .passphraseProtected
        }
        guard text.contains("-----BEGIN ") else { throw .unrecognized }
        // Without a callback libcrypto would prompt on the terminal for a
        // passphrase; this one answers "none", so an encrypted key just fails.
        let noPassphrase: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = { _, _, _, _ in -1 }
        // The BIO reads `contents` in place: it lives only inside the closure.
        let read: OpaquePointer?? = contents.withUnsafeBytes { bytes in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return .none }
            defer { BIO_free(bio) }
            return .some(PEM_read_bio_PrivateKey(bio, nil, noPassphrase, nil))
        }
        guard let read else { throw .libcrypto(OpenSSLErrorQueue.drainText()) }
        guard let key = read else {
            _ = OpenSSLErrorQueue.drain()
            throw .unrecognized
        }
        try self.init(taking: key, comment: "")
    }

    /// The key as unencrypted PEM PKCS#8 ("BEGIN PRIVATE KEY").
    public var pemPKCS8: [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { preconditionFailure("BIO_new failed: out of memory") }
        defer { BIO_free(bio) }
        precondition(PEM_write_bio_PrivateKey(bio, key, nil, nil, 0, nil, nil) == 1, "PEM_write_bio_PrivateKey failed")
        var contents: UnsafePointer<UInt8>?
        let length = crsh_tls_memory_bio_contents(bio, &contents)
        return Array(UnsafeBufferPointer(start: contents, count: length))
    }
}
