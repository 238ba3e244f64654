import Glibc

/// Facts about this process that the server and client ask for.
public enum ProcessIdentity {
    public static var processID: Int32 { getpid() }
    public static var effectiveUserID: UInt32 { geteuid() }
    /// The number of CPUs this process may run on (`sysconf(_SC_NPROCESSORS_ONLN)`).
    public static var processorCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
    /// The unit of the CPU times in /proc (`sysconf(_SC_CLK_TCK)`).
    public static var clockTicksPerSecond: Int { sysconf(Int32(_SC_CLK_TCK)) }
    /// The soft open-files limit (`getrlimit(RLIMIT_NOFILE)`).
    public static var openFilesLimit: Int {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        return Int(clamping: limit.rlim_cur)
    }
    /// The value of an environment variable.
    public static func environmentValue(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
    /// The login shell of this process's effective user, from the password
    /// database (`getpwuid_r(3)`), as login(1) and sshd take it; `nil` when
    /// the entry has none.
    public static var loginShell: String? { passwordEntryField(\.pw_shell) }
    /// The home directory of this process's effective user, from the password database.
    public static var homeDirectory: String? { passwordEntryField(\.pw_dir) }

    private static func passwordEntryField(_ field: KeyPath<passwd, UnsafeMutablePointer<CChar>?>) -> String? {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(geteuid(), &entry, &buffer, buffer.count, &found) == 0, found != nil,
              let value = entry[keyPath: field] else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
    /// The physical path of the working directory (`getcwd(3)`); `nil` when
    /// it has none (it was removed) or it is out of reach.
    public static var workingDirectory: String? {
        guard let path = getcwd(nil, 0) else { return nil }
        defer { free(path) }
        return String(cString: path)
    }
}

/// Exits the process at once (`_exit(2)`-like `exit(3)`), flushing nothing of Swift's.
public func exitProcess(_ status: Int32) -> Never {
    exit(status)
}
