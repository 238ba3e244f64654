import RSHSystem

/// Where rsh and rshd keep their files by default: `~/.rsh`, as ssh keeps `~/.ssh`.
public enum RSHPaths {
    /// `~/.rsh`; `nil` when the user has no home directory.
    public static var directory: String? { ProcessIdentity.homeDirectory.map { $0 + "/.rsh" } }

    /// The client's identity: `rsh keygen` writes it, `rsh -i` overrides it.
    public static var identity: String? { directory.map { $0 + "/id_ed25519" } }
    /// The identity ssh-keygen writes, used when `~/.rsh/id_ed25519` does not exist.
    public static var sshIdentity: String? { ProcessIdentity.homeDirectory.map { $0 + "/.ssh/id_ed25519" } }
    public static var knownHosts: String? { directory.map { $0 + "/known_hosts" } }
    public static var hostKey: String? { directory.map { $0 + "/host_ed25519" } }
    public static var authorizedKeys: String? { directory.map { $0 + "/authorized_keys" } }

    /// Creates `~/.rsh` (mode 0700) if it is missing, for a file about to be written there.
    static func createDirectory(for path: String) throws(KeyFileError) {
        guard let directory, path.hasPrefix(directory + "/") else { return }
        do {
            try makeDirectory(directory, permissions: 0o700)
        } catch .fileExists {
            return
        } catch {
            throw KeyFileError("cannot create \(directory): \(error)")
        }
    }
}
