import RSHSystem

/// The keys of one run, in a directory of its own: the host key every rshd
/// started here uses, and the known_hosts file every `rsh` started here
/// trusts it through (filled on first use, `--accept-new`). Nothing is read
/// from or written to the home of the person running the benchmark.
enum BenchKeys {
    static let directory: String = {
        let path = "/tmp/rsh-bench-keys-\(ProcessIdentity.processID)"
        try? makeDirectory(path, permissions: 0o700)
        return path
    }()

    /// For every rshd: `--host-key` (rshd makes the key on first start).
    static var serverArguments: [String] { ["--host-key", directory + "/host_ed25519"] }

    /// For every rsh: its known_hosts, new keys accepted.
    static var clientArguments: [String] { ["--known-hosts", directory + "/known_hosts", "--accept-new"] }

    /// Removes the directory and what is in it.
    static func remove() {
        for name in directoryEntries(directory) ?? [] { try? removeFile(atPath: directory + "/" + name) }
        try? removeDirectory(directory)
    }
}
