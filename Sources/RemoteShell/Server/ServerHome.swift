import RSHSystem

/// The home directory of the server's user, as sshd's sessions and scp use
/// it: commands whose request names no directory run there, and a relative
/// path in a request (a command's `cwd`, a copied file) is relative to it.
enum ServerHome {
    /// `HOME`, else the password database's entry for the server's user.
    static let path: String = ProcessIdentity.homeDirectory ?? "/"

    /// Where a command whose request names no directory runs: the home
    /// directory, or `/` when rshd cannot enter it (`unusable` says why),
    /// as sshd falls back for a session.
    static let commandDirectory: (path: String, unusable: Errno?) = {
        do throws(Errno) {
            let directory = try FileDescriptor.openDirectory(path)
            defer { directory.closeAfterUse() }
            guard directory.permitsSearch else { return ("/", .permissionDenied) }
            return (path, nil)
        } catch {
            return ("/", error)
        }
    }()

    /// A request's path on this machine: a relative path, `~` or `~/...` is
    /// relative to the home directory.
    static func resolved(_ relative: String) -> String {
        if relative.hasPrefix("/") { return relative }
        if relative == "~" { return path }
        let rest = relative.hasPrefix("~/") ? String(relative.dropFirst(2)) : relative
        return path.hasSuffix("/") ? path + rest : path + "/" + rest
    }
}
