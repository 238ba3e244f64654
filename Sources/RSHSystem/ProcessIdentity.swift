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
    /// Raises the soft open-files limit to the hard one (`setrlimit(RLIMIT_NOFILE)`),
    /// for a process that holds many descriptors; children inherit it. The soft limit after.
    @discardableResult
    public static func raiseOpenFilesLimit() throws(Errno) -> Int {
        var limit = rlimit()
        _ = try retryingInterrupts { getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = try retryingInterrupts { setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) }
        }
        return Int(clamping: limit.rlim_cur)
    }
    /// The value of an environment variable.
    public static func environmentValue(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
    /// The user's home directory: `HOME`, or the password database's entry
    /// for the effective user when `HOME` is unset or empty (as OpenSSH does).
    public static var homeDirectory: String? {
        if let home = environmentValue("HOME"), !home.isEmpty { return home }
        return passwordEntry { String(cString: $0.pw_dir) }
    }

    /// The effective user's name (`getpwuid_r(3)`), or the number when it has none.
    public static var userName: String {
        passwordEntry { String(cString: $0.pw_name) } ?? "\(effectiveUserID)"
    }

    /// This machine's name (`gethostname(2)`).
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func passwordEntry<Value>(_ body: (passwd) -> Value) -> Value? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(geteuid(), &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return body(entry)
    }

    /// The login shell of this process's effective user, from the password
    /// database, as login(1) and sshd take it; `nil` when the entry has none.
    public static var loginShell: String? {
        passwordEntry { $0.pw_shell.map { String(cString: $0) } }?.flatMap { $0.isEmpty ? nil : $0 }
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

/// Runs `body` when the process ends with `exit(3)` or by returning from
/// main (`atexit(3)`), not when a signal kills it.
public func runAtProcessExit(_ body: @escaping @convention(c) () -> Void) {
    atexit(body)
}
