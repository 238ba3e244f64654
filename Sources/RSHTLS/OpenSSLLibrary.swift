import CLibSSL

/// The one-time set-up of libssl and libcrypto, before any other call to them.
enum OpenSSLLibrary {
    /// Without the system's openssl.cnf: every TLS setting rsh and rshd use
    /// is their own (`crsh_tls_configure_context`), and parsing that file is
    /// about a millisecond of every `rsh` command's start. Without OpenSSL's
    /// clean-up at exit, which frees what the process's end frees anyway
    /// (~0.3 ms of every `rsh` over TLS).
    private static let initialized: Bool =
        OPENSSL_init_ssl(UInt64(OPENSSL_INIT_NO_LOAD_CONFIG) | UInt64(OPENSSL_INIT_NO_ATEXIT), nil) == 1

    static func initialize() {
        precondition(initialized, "OPENSSL_init_ssl failed")
    }
}
