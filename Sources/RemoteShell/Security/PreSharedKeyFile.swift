import RSHProtocol
import RSHSystem

/// A pre-shared key in a file: 32 random bytes, hex-encoded, readable by its
/// owner only. `rsh keygen --psk FILE` makes one; `rshd --key-file FILE` and
/// `rsh --key-file FILE` (or `RSH_KEY_FILE`) use it as a TLS 1.3 external PSK.
public enum PreSharedKeyFile {
    public static let generatedLength = 32

    /// Reads and checks a key: it must be hex, at least 16 bytes, and private (`ProtectedFile`).
    public static func load(_ path: String) throws(KeyFileError) -> [UInt8] {
        let text = try ProtectedFile.read(path, "the key file")
        let trimmed = String(decoding: text, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" })
        guard trimmed.count == 1, let key = Hex.decode(trimmed[0]) else {
            throw KeyFileError("the key file \(path) does not hold one hexadecimal key (make one with: rsh keygen --psk FILE)")
        }
        guard key.count >= Limits.minimumKeyLength else {
            throw KeyFileError("the key in \(path) is \(key.count) bytes; at least \(Limits.minimumKeyLength) are needed")
        }
        return key
    }

    /// Writes a new key of 32 random bytes (`getrandom`) with mode 0600.
    public static func generate(_ path: String) throws(KeyFileError) {
        let key: [UInt8]
        do {
            key = try randomBytes(generatedLength)
        } catch {
            throw KeyFileError("cannot draw random bytes: \(error)")
        }
        try ProtectedFile.create(path, Array((Hex.encode(key) + "\n").utf8), "the key file")
    }
}
