import RSHFiles
import RSHProtocol

/// `rsh cp` over one connection, in either direction: where each source
/// goes (scp's rules: into DEST when it is a directory, else as DEST, which
/// several sources may not share), directory trees with `-r` (symbolic links
/// copied as links, special files skipped with a warning, each directory's
/// mode set once it is filled), and each file through `RemoteFiles`. A file
/// that fails is named and the copy goes on; only a lost connection stops it.
final class FileCopier {
    struct Settings: Sendable {
        /// `-r`: copy directories, whole.
        var recursive = false
        /// `-p`: keep modification times (modes are always kept).
        var preservesTimes = false
    }

    /// The connection is over, or the user stopped the copy.
    struct Stopped: Error {
        let reason: String
    }

    let files: RemoteFiles
    let settings: Settings
    let reporter: CopyReporter
    /// Files and directories that could not be copied, each reported as it failed.
    private(set) var failures = 0

    init(files: RemoteFiles, settings: Settings, reporter: CopyReporter) {
        self.files = files
        self.settings = settings
        self.reporter = reporter
    }

    // MARK: To the server

    /// Copies local `sources` to `destination` on the server.
    func upload(_ sources: [String], to destination: String, isolation: isolated (any Actor)? = #isolation) async throws(Stopped) {
        let destination = destination.isEmpty ? "." : destination
        let intoDirectory: Bool
        do {
            intoDirectory = try await files.stat(destination, isolation: isolation).kind == .directory
        } catch .refused(let error) where error.code == .noSuchFile {
            intoDirectory = false
        } catch {
            try stopIfLost(error)
            return
        }
        guard intoDirectory || sources.count == 1 else {
            fail("\(destination): not a directory (several sources are copied into a directory)")
            return
        }
        for source in sources {
            let target = intoDirectory ? Self.join(destination, Self.lastName(source)) : destination
            let info: FileInfo
            do {
                info = try FileOperations.info(source)
            } catch {
                fail(error.description)
                continue
            }
            switch info.kind {
            case .regular:
                try await uploadFile(source, to: target, shownAs: Self.lastName(source), isolation: isolation)
            case .directory where settings.recursive:
                try await uploadTree(source, to: target, info, shownAs: Self.lastName(source), isolation: isolation)
            case .directory:
                fail("\(source): is a directory (-r copies directories)")
            case .symbolicLink, .other:
                fail("\(source): not a regular file")
            }
        }
    }

    private func uploadFile(_ path: String, to target: String, shownAs name: String,
                            isolation: isolated (any Actor)?) async throws(Stopped) {
        let source: FileSource
        do {
            source = try FileSource(path)
        } catch {
            fail(error.description)
            return
        }
        reporter.started(name, size: source.info.size)
        do {
            try await files.upload(source, to: target, modified: settings.preservesTimes ? source.info.modified : nil,
                                   progress: { reporter.progressed($0) }, isolation: isolation)
            reporter.finished()
        } catch {
            try stopIfLost(error)
        }
    }

    /// A local directory and everything in it. The directory is made with
    /// its owner's `rwx` added, so that it can be filled whatever its mode,
    /// and gets its own mode (and time) once it is.
    private func uploadTree(_ path: String, to target: String, _ info: FileInfo, shownAs name: String,
                            isolation: isolated (any Actor)?) async throws(Stopped) {
        do {
            try await files.makeDirectory(target, permissions: info.permissions | 0o700, isolation: isolation)
        } catch {
            try stopIfLost(error)
            return
        }
        let entries: [(name: String, info: FileInfo)]
        do {
            (entries, _) = try Self.localEntries(path, reporter: reporter, failures: &failures)
        } catch {
            fail(error.description)
            return
        }
        for entry in entries {
            let local = Self.join(path, entry.name)
            let remote = Self.join(target, entry.name)
            let shown = Self.join(name, entry.name)
            switch entry.info.kind {
            case .regular:
                try await uploadFile(local, to: remote, shownAs: shown, isolation: isolation)
            case .directory:
                try await uploadTree(local, to: remote, entry.info, shownAs: shown, isolation: isolation)
            case .symbolicLink:
                do {
                    try await files.placeSymbolicLink(at: remote, target: entry.info.linkTarget!, isolation: isolation)
                    if settings.preservesTimes {
                        try await files.setAttributes(remote, permissions: nil, modified: entry.info.modified, isolation: isolation)
                    }
                } catch {
                    try stopIfLost(error)
                }
            case .other:
                reporter.warning("\(local): skipped: special files are not copied")
            }
        }
        do {
            try await files.setAttributes(target, permissions: info.permissions,
                                          modified: settings.preservesTimes ? info.modified : nil, isolation: isolation)
        } catch {
            try stopIfLost(error)
        }
    }

    // MARK: From the server

    /// Copies `sources` on the server to local `destination`.
    func download(_ sources: [String], to destination: String, isolation: isolated (any Actor)? = #isolation) async throws(Stopped) {
        let intoDirectory = (try? FileOperations.info(destination))?.kind == .directory
        guard intoDirectory || sources.count == 1 else {
            fail("\(destination): not a directory (several sources are copied into a directory)")
            return
        }
        for source in sources {
            let source = source.isEmpty ? "." : source
            let target = intoDirectory ? Self.join(destination, Self.lastName(source)) : destination
            let info: FileInfo
            do {
                info = try await files.stat(source, isolation: isolation)
            } catch {
                try stopIfLost(error)
                continue
            }
            switch info.kind {
            case .regular:
                try await downloadFile(source, to: target, shownAs: Self.lastName(source), isolation: isolation)
            case .directory where settings.recursive:
                try await downloadTree(source, to: target, info, shownAs: Self.lastName(source), isolation: isolation)
            case .directory:
                fail("\(source): is a directory (-r copies directories)")
            case .symbolicLink, .other:
                fail("\(source): not a regular file")
            }
        }
    }

    private func downloadFile(_ path: String, to target: String, shownAs name: String,
                              isolation: isolated (any Actor)?) async throws(Stopped) {
        var started = false
        do {
            try await files.download(path, to: target, preservingTime: settings.preservesTimes, progress: { done, size in
                if !started {
                    reporter.started(name, size: size)
                    started = true
                }
                reporter.progressed(done)
            }, isolation: isolation)
            reporter.finished()
        } catch {
            try stopIfLost(error)
        }
    }

    private func downloadTree(_ path: String, to target: String, _ info: FileInfo, shownAs name: String,
                              isolation: isolated (any Actor)?) async throws(Stopped) {
        do {
            try FileOperations.makeDirectory(target, permissions: info.permissions | 0o700)
        } catch {
            fail(error.description)
            return
        }
        let listing: (entries: [(name: String, info: FileInfo)], skipped: Int64)
        do {
            listing = try await files.list(path, isolation: isolation)
        } catch {
            try stopIfLost(error)
            return
        }
        if listing.skipped > 0 {
            fail("\(path): \(listing.skipped) names in it are not UTF-8 and were not copied")
        }
        for entry in listing.entries {
            let remote = Self.join(path, entry.name)
            let local = Self.join(target, entry.name)
            let shown = Self.join(name, entry.name)
            switch entry.info.kind {
            case .regular:
                try await downloadFile(remote, to: local, shownAs: shown, isolation: isolation)
            case .directory:
                try await downloadTree(remote, to: local, entry.info, shownAs: shown, isolation: isolation)
            case .symbolicLink:
                do {
                    try FileOperations.placeSymbolicLink(at: local, target: entry.info.linkTarget!)
                    if settings.preservesTimes { try FileOperations.setAttributes(local, permissions: nil, modified: entry.info.modified) }
                } catch {
                    fail(error.description)
                }
            case .other:
                reporter.warning("\(remote): skipped: special files are not copied")
            }
        }
        do {
            try FileOperations.setAttributes(target, permissions: info.permissions, modified: settings.preservesTimes ? info.modified : nil)
        } catch {
            fail(error.description)
        }
    }

    // MARK: Helpers

    /// A failure of one file: named now, counted for the exit status.
    private func fail(_ message: String) {
        failures += 1
        reporter.failed(message)
    }

    /// Reports a failure of one request, or ends the copy when the connection is gone.
    private func stopIfLost(_ error: RemoteFiles.Failure) throws(Stopped) {
        switch error {
        case .refused(let refusal): fail(refusal.message)
        case .local(let failure): fail(failure.description)
        case .lost(let reason):
            reporter.abandoned()
            throw Stopped(reason: reason)
        }
    }

    /// The entries of a local directory (links not followed), by name.
    /// Names that are not UTF-8 cannot be sent: each is a failure.
    private static func localEntries(_ path: String, reporter: CopyReporter,
                                     failures: inout Int) throws(FileError) -> (entries: [(name: String, info: FileInfo)], skipped: Int64) {
        let reader = try DirectoryReader(path)
        defer { reader.close() }
        var entries: [(name: String, info: FileInfo)] = []
        while let entry = try reader.next() { entries.append(entry) }
        if reader.skipped > 0 {
            failures += 1
            reporter.failed("\(path): \(reader.skipped) names in it are not UTF-8 and were not copied")
        }
        return (entries.sorted { $0.name < $1.name }, reader.skipped)
    }

    /// `directory/name`, without doubling a slash.
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The last name of a path, as cp and scp take it for the copy's name
    /// in a directory: trailing slashes ignored (`dir/` is `dir`).
    static func lastName(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed.split(separator: "/").last.map(String.init) ?? String(trimmed)
    }
}
