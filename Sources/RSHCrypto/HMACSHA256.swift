import CLibCrypto
import RSHProtocol

/// HMAC-SHA256 from the system's libcrypto (OpenSSL 3's `EVP_MAC`), under one
/// key. The context is kept and re-initialised per message with the same key,
/// so authenticating a frame costs no allocation. Not thread-safe: one per
/// connection direction.
public final class HMACSHA256: MessageAuthenticator {
    public static let tagLength = 32

    /// The HMAC algorithm, fetched once. OpenSSL documents `EVP_MAC` objects
    /// as safe to share between threads once fetched; only contexts are not.
    nonisolated(unsafe) private static let algorithm: OpaquePointer = {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { fatalError("libcrypto has no HMAC") }
        return mac
    }()

    /// Read-only after creation; OpenSSL takes a non-const pointer.
    nonisolated(unsafe) private static let digestName = strdupStatic("SHA256")

    private let context: OpaquePointer

    public init(key: [UInt8]) {
        guard let context = EVP_MAC_CTX_new(Self.algorithm) else { fatalError("EVP_MAC_CTX_new failed") }
        self.context = context
        var parameters = [
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, Self.digestName, 0),
            OSSL_PARAM_construct_end(),
        ]
        let initialised = key.withUnsafeBufferPointer { keyBuffer in
            EVP_MAC_init(context, keyBuffer.baseAddress, keyBuffer.count, &parameters)
        }
        precondition(initialised == 1, "EVP_MAC_init failed")
    }

    deinit { EVP_MAC_CTX_free(context) }

    public func authenticate(_ parts: [UnsafeRawBufferPointer]) -> [UInt8] {
        // A null key re-initialises with the key given at creation.
        precondition(EVP_MAC_init(context, nil, 0, nil) == 1, "EVP_MAC_init failed")
        for part in parts where part.count > 0 {
            precondition(EVP_MAC_update(context, part.baseAddress!.assumingMemoryBound(to: UInt8.self), part.count) == 1)
        }
        var tag = [UInt8](repeating: 0, count: Self.tagLength)
        var length = 0
        precondition(EVP_MAC_final(context, &tag, &length, tag.count) == 1 && length == Self.tagLength, "EVP_MAC_final failed")
        return tag
    }

    public func verify(_ tag: UnsafeRawBufferPointer, _ parts: [UnsafeRawBufferPointer]) -> Bool {
        guard tag.count == Self.tagLength else { return false }
        let expected = authenticate(parts)
        return expected.withUnsafeBytes { CRYPTO_memcmp($0.baseAddress, tag.baseAddress, Self.tagLength) == 0 }
    }

    /// One HMAC, computed at once.
    public static func authenticate(key: [UInt8], message: [UInt8]) -> [UInt8] {
        HMACSHA256(key: key).authenticate([message])
    }

    /// The factory the protocol sessions take.
    public static let factory: AuthenticatorFactory = { key in HMACSHA256(key: key) }
}

/// A C string that lives as long as the process (for OpenSSL parameter names).
private func strdupStatic(_ text: String) -> UnsafeMutablePointer<CChar> {
    let bytes = Array(text.utf8CString)
    let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
    pointer.initialize(from: bytes, count: bytes.count)
    return pointer
}
