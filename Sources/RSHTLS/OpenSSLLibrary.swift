import CLibSSL

/// The one-time set-up of libssl and libcrypto, before any other call to them.
enum OpenSSLLibrary {
    /// Without the system's openssl.cnf: every TLS setting rsh and rshd use
    /// is their own (`crsh_tls_configure_context`), and parsing that file is
    /// about a millisecond of every `rsh` command's start. Without OpenSSL's
    /// clean-up at exit, which frees what the process's end frees anyway
    /// (~0.3 ms of every `rsh` over TLS). Without the legacy table of every
    /// cipher and digest by name (`EVP_get_cipherbyname`), which libssl
    /// otherwise fills and OpenSSL 3.0 then copies into the providers' name
    /// map at the first fetch: ~3 million instructions, a tenth of `rsh HOST
    /// true` over TLS (callgrind). Nothing in rsh looks an algorithm up by
    /// its legacy name; libssl and the SHA-256 of file copies fetch theirs
    /// from the default provider.
    private static let initialized: Bool = {
        let options = [OPENSSL_INIT_NO_LOAD_CONFIG, OPENSSL_INIT_NO_ATEXIT,
                       OPENSSL_INIT_NO_ADD_ALL_CIPHERS, OPENSSL_INIT_NO_ADD_ALL_DIGESTS]
        return OPENSSL_init_ssl(options.reduce(0) { $0 | UInt64($1) }, nil) == 1
    }()

    static func initialize() {
        precondition(initialized, "OPENSSL_init_ssl failed")
    }
}
