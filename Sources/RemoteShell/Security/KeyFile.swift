import RSHCrypto
import RSHProtocol
import RSHSystem

/// A pre-shared key in a file: 32 random bytes, hex-encoded, readable by its
/// owner only. `rsh keygen FILE` makes one; `rshd --key-file FILE` and
/// `rsh --key-file FILE` (or `RSH_KEY_FILE`) use it.
public enum KeyFile {
    public static let generatedLength = 32

    /// Why a key file cannot be used: one line for the user.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads and checks a key: it must be hex, at least 16 bytes, and not
    /// readable (or writable) by the group or others.
    public static func load(_ path: String) throws(Problem) -> [UInt8] {
        let status: FileStatus
        do {
            status = try FileStatus(path: path)
        } catch {
            throw Problem(description: "cannot read the key file \(path): \(error)")
        }
        guard status.isRegularFile else { throw Problem(description: "the key file \(path) is not a regular file") }
        guard status.permissions & 0o077 == 0 else {
            throw Problem(description: "the key file \(path) is accessible by others (mode \(String(status.permissions, radix: 8))); "
                          + "make it private with: chmod 600 \(path)")
        }
        let text: [UInt8]
        do {
            text = try readFile(path)
        } catch {
            throw Problem(description: "cannot read the key file \(path): \(error)")
        }
        let trimmed = String(decoding: text, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" })
        guard trimmed.count == 1, let key = Hex.decode(trimmed[0]) else {
            throw Problem(description: "the key file \(path) does not hold one hexadecimal key (make one with: rsh keygen FILE)")
        }
        guard key.count >= Limits.minimumKeyLength else {
            throw Problem(description: "the key in \(path) is \(key.count) bytes; at least \(Limits.minimumKeyLength) are needed")
        }
        return key
    }

    /// Writes a new key of 32 random bytes (`getrandom`) with mode 0600. An
    /// existing file is never overwritten.
    public static func generate(_ path: String) throws(Problem) {
        do {
            let key = try randomBytes(generatedLength)
            try createNewFile(path, mode: 0o600, Array((Hex.encode(key) + "\n").utf8))
        } catch {
            throw Problem(description: error == .fileExists ? "\(path) already exists; keys are never overwritten"
                          : "cannot write the key file \(path): \(error)")
        }
    }

    /// The authentication a key gives, with HMAC-SHA256 from libcrypto.
    public static func authentication(_ key: [UInt8]) -> KeyedAuthentication {
        KeyedAuthentication(key: key, makeAuthenticator: HMACSHA256.factory)
    }
}
