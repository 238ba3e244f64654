import Foundation
import RSHProtocol
import RSHTestSupport

/// What a user would check about files, with the tools a user would use
/// (coreutils' sha256sum and stat, a directory listing): not the code under test.
enum FileChecks {
    /// The SHA-256 of a file, in hex, as sha256sum prints it.
    static func sha256sum(_ path: String) throws -> String {
        // Gigabytes take a while on a busy machine.
        let run = try TestProcess.run(["sha256sum", "--", path], timeout: .seconds(600))
        guard run.shellStatus == 0 else { throw TestFailure("sha256sum \(path): \(run.stderr)") }
        return String(run.stdout.prefix(64))
    }

    /// `stat --format FORMAT`: %a the mode in octal, %Y the modification time, %s the size, %F the type.
    static func stat(_ format: String, _ path: String) throws -> String {
        let run = try TestProcess.run(["stat", "--format", format, "--", path])
        guard run.shellStatus == 0 else { throw TestFailure("stat \(path): \(run.stderr)") }
        return run.stdout.trimmingCharacters(in: .newlines)
    }

    /// The names in a directory, hidden ones included, sorted.
    static func names(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            withUnsafeBytes(of: generator.next()) { word in
                for byte in word where index < count {
                    bytes[index] = byte
                    index += 1
                }
            }
        }
        return bytes
    }

    /// What rshd is started through to run as nobody when the tests run as
    /// root (root may write anywhere, so a read-only directory would not be
    /// one); nothing otherwise, when the tests' own user is not root either.
    static var unprivilegedLauncher: [String] { Stranger.available ? Stranger.setpriv : [] }

    /// `--host-key` for an rshd with another HOME, or run as another user:
    /// a key of its own, in a directory it may write to (the tests' home is
    /// root's); ServerProcess reads it and trusts it in known_hosts.
    static func ownHostKey() throws -> [String] {
        let keys = Scratch.path("host-key")
        try createDirectory(keys)
        guard chmod(keys, 0o777) == 0 else { throw TestFailure("chmod \(keys) failed") }
        return ["--host-key", keys + "/host_ed25519"]
    }

    /// Makes `path` belong to the user the unprivileged launcher runs as.
    static func giveToUnprivilegedUser(_ path: String) throws {
        guard Stranger.available else { return }
        guard chown(path, 65534, 65534) == 0 else { throw TestFailure("chown \(path) failed") }
    }
}
