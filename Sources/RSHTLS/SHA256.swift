import CLibSSL

/// SHA-256 from the system's libcrypto (`EVP_Digest`), for key fingerprints.
public enum SHA256 {
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        OpenSSLLibrary.initialize()
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let succeeded = bytes.withUnsafeBytes { raw in
            EVP_Digest(raw.baseAddress, raw.count, &digest, &length, EVP_sha256(), nil)
        }
        // Fails only without memory, or with a libcrypto that has no SHA-256.
        precondition(succeeded == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return Array(digest.prefix(32))
    }
}
