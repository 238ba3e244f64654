import RSHSystem

/// The home directory of the server's user, as sshd's sessions and scp use
/// it: commands whose request names no directory run there, and a relative
/// path in a request (a command's `cwd`, a copied file) is relative to it.
enum ServerHome {
    /// `HOME`, else the password database's entry for the server's user.
    static let path: String = ProcessIdentity.homeDirectory ?? "/"

    /// Why rshd cannot enter the home directory, or `nil` when it can. A
    /// command with no directory then runs in `/` (`Connection` finds out
    /// at each command, as sshd does at each session; the server also asks
    /// at its start, to say so in its log).
    static func unusable() -> Errno? {
        do throws(Errno) {
            let directory = try FileDescriptor.openDirectory(path)
            defer { directory.closeAfterUse() }
            return directory.permitsSearch ? nil : .permissionDenied
        } catch {
            return error
        }
    }

    /// A request's path on this machine: a relative path, `~` or `~/...` is
    /// relative to the home directory.
    static func resolved(_ relative: String) -> String {
        if relative.hasPrefix("/") { return relative }
        if relative == "~" { return path }
        let rest = relative.hasPrefix("~/") ? String(relative.dropFirst(2)) : relative
        return path.hasSuffix("/") ? path + rest : path + "/" + rest
    }
}
