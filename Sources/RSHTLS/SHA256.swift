import CLibSSL

/// SHA-256 from the system's libcrypto (OpenSSL 3's `EVP_Digest*`): at once
/// (`digest`, for key fingerprints), or fed as the bytes go by, so that a
/// copied file is hashed while it is read or written, never held whole. One
/// hasher per file; not thread-safe.
public final class SHA256 {
    public static let digestLength = 32

    /// The algorithm, fetched once. OpenSSL documents fetched `EVP_MD`
    /// objects as safe to share between threads; only contexts are not.
    nonisolated(unsafe) private static let algorithm: OpaquePointer = {
        OpenSSLLibrary.initialize()
        guard let digest = EVP_MD_fetch(nil, "SHA256", nil) else { fatalError("libcrypto has no SHA-256") }
        return digest
    }()

    private let context: OpaquePointer

    public init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed") }
        self.context = context
        precondition(EVP_DigestInit_ex2(context, Self.algorithm, nil) == 1, "EVP_DigestInit_ex2 failed")
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Hashes the next bytes (`EVP_DigestUpdate`).
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(context, base, bytes.count) == 1, "EVP_DigestUpdate failed")
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of every byte given so far (`EVP_DigestFinal_ex`). The
    /// hasher is spent afterwards: a new file takes a new one.
    public func finish() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &digest, &length) == 1 && length == Self.digestLength, "EVP_DigestFinal_ex failed")
        return Array(digest.prefix(Self.digestLength))
    }

    /// The digest of `bytes`, at once.
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        let hasher = SHA256()
        hasher.update(bytes)
        return hasher.finish()
    }
}
