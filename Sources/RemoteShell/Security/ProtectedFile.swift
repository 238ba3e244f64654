import RSHSystem

/// The files that decide who is who: private keys, pre-shared keys and
/// authorized_keys. Like sshd's StrictModes, each is used only if it is a
/// regular file that belongs to this user (or root) and that nobody else
/// may read or write: a key others can read is no longer secret, and an
/// authorized_keys file others can write lets them in.
enum ProtectedFile {
    /// The file's bytes, after the checks. `what` names the file in messages ("the key file").
    static func read(_ path: String, _ what: String) throws(KeyFileError) -> [UInt8] {
        let status: FileStatus
        do {
            status = try FileStatus(path: path)
        } catch {
            throw KeyFileError("cannot read \(what) \(path): \(error)")
        }
        guard status.isRegularFile else { throw KeyFileError("\(what) \(path) is not a regular file") }
        guard status.owner == ProcessIdentity.effectiveUserID || status.owner == 0 else {
            throw KeyFileError("\(what) \(path) belongs to uid \(status.owner), not to this user (uid \(ProcessIdentity.effectiveUserID))")
        }
        guard status.permissions & 0o077 == 0 else {
            throw KeyFileError("\(what) \(path) is accessible by others (mode \(String(status.permissions, radix: 8))); "
                               + "make it private with: chmod 600 \(path)")
        }
        do {
            return try readFile(path)
        } catch {
            throw KeyFileError("cannot read \(what) \(path): \(error)")
        }
    }

    /// Writes a new file, readable by its owner only unless `mode` says
    /// otherwise; never overwrites one, never leaves a partial one.
    static func create(_ path: String, _ bytes: [UInt8], mode: UInt32 = 0o600, _ what: String) throws(KeyFileError) {
        do {
            try createFileAtomically(path, mode: mode, bytes)
        } catch .fileExists {
            throw KeyFileError("\(path) already exists; keys are never overwritten")
        } catch {
            throw KeyFileError("cannot write \(what) \(path): \(error)")
        }
    }
}
