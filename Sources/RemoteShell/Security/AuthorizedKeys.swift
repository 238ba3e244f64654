import RSHSystem
import RSHTLS
import Synchronization

/// The public keys that may log in: an OpenSSH authorized_keys file, one
/// `ssh-ed25519 AAAA... comment` line per key. Blank lines and `#` comments
/// are skipped; keys of other types are skipped with a warning, and so are
/// lines with options (`from="..."`, `command="..."`): they restrict a key,
/// and a restriction this server cannot apply must not be dropped silently.
///
/// The file is read again whenever it changes (as sshd reads it at every
/// login), so a key is revoked by deleting its line. A file that becomes
/// unusable (loose permissions, unreadable) lets no one in until it is fixed.
final class AuthorizedKeys: Sendable {
    struct Entry: Hashable {
        let key: Ed25519PublicKey
        let comment: String
    }

    let path: String
    private let logger: Logger
    private let state: Mutex<(stamp: FileStamp?, keys: [Ed25519PublicKey: String])>

    /// What identifies one version of the file: a change to any of these means it was edited or replaced.
    private struct FileStamp: Equatable {
        let device: UInt64, inode: UInt64, size: Int64, modificationTime: Int64
        init(_ status: FileStatus) {
            device = status.device
            inode = status.inode
            size = status.size
            modificationTime = status.modificationTime
        }
    }

    /// Reads the file once; a file that cannot be used stops the server from starting.
    init(path: String, logger: Logger) throws(KeyFileError) {
        self.path = path
        self.logger = logger
        let stamp = (try? FileStatus(path: path)).map(FileStamp.init)
        let keys = try Self.load(path, logger: logger)
        state = Mutex((stamp, keys))
    }

    var count: Int { state.withLock { $0.keys.count } }

    /// The comment of `key`'s line when it may log in; `nil` when it may not.
    func comment(for key: Ed25519PublicKey) -> String? {
        let current = (try? FileStatus(path: path)).map(FileStamp.init)
        return state.withLock { state in
            if current != state.stamp {
                state.stamp = current
                do {
                    state.keys = try Self.load(path, logger: logger)
                    logger.notice("reloaded \(path): \(state.keys.count) key(s)")
                } catch {
                    state.keys = [:]
                    logger.error("\(error); no client key is accepted until it is fixed")
                }
            }
            return state.keys[key]
        }
    }

    private static func load(_ path: String, logger: Logger) throws(KeyFileError) -> [Ed25519PublicKey: String] {
        let text = String(decoding: try ProtectedFile.read(path, "the authorized keys file"), as: UTF8.self)
        let (entries, warnings) = parse(text)
        for warning in warnings { logger.warning("\(path):\(warning)") }
        var keys: [Ed25519PublicKey: String] = [:]
        for entry in entries where keys[entry.key] == nil { keys[entry.key] = entry.comment }
        return keys
    }

    /// The keys of an authorized_keys text, and a warning ("LINE: reason") for each line skipped.
    static func parse(_ text: String) -> (entries: [Entry], warnings: [String]) {
        var entries: [Entry] = []
        var warnings: [String] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingSpaces
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let first = line.prefix { $0 != " " && $0 != "\t" }
            guard KeyTypeName.looksLikeOne(first) else {
                warnings.append("\(index + 1): a line with options (\(first.prefix(40))...) is skipped; options are not supported")
                continue
            }
            do {
                let parsed = try OpenSSHPublicKeyLine(parsing: line)
                entries.append(Entry(key: parsed.key, comment: parsed.comment))
            } catch {
                warnings.append("\(index + 1): skipped: \(error)")
            }
        }
        return (entries, warnings)
    }
}

/// The names OpenSSH gives key types, as they begin a key line: how a key
/// line is told from one that starts with options.
enum KeyTypeName {
    static func looksLikeOne(_ word: Substring) -> Bool {
        word.hasPrefix("ssh-") || word.hasPrefix("ecdsa-sha2-") || word.hasPrefix("sk-")
    }
}
