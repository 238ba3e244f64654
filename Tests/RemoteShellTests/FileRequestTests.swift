import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import RSHTLS
import Testing

/// File requests against real servers in every mode, at the byte level: what
/// lands on the disk, what is left when something fails, what the server
/// says and logs.
@Suite("File requests, in every mode")
struct FileRequestTests {
    @Test("uploads of 0 B, 1 B, 64 KiB + 1 and 9 MiB arrive whole with their mode and time, and come back with the same SHA-256",
          arguments: Setup.all)
    func roundTrip(_ setup: Setup) throws {
        let client = try setup.client()
        let hello = try client.handshake(stdinWindow: true)
        let window = (hello["upload_window"] ?? hello["stdin_window"])?.integerValue.map { Int($0) }
        #expect(window == Limits.defaultUploadWindow)
        let directory = Scratch.path("round-trip")
        try createDirectory(directory)
        // 9 MiB: more than twice the window, so that acknowledgements make room for the rest.
        for (index, size) in [0, 1, 65_537, 9 << 20].enumerated() {
            let content = FileChecks.randomBytes(size)
            let path = directory + "/file \(size)"
            let id = Int64(index * 2 + 1)
            let stored = try client.upload(content, to: path, id: id, permissions: 0o751,
                                           modified: FileTime(seconds: 1_234_567_890, nanoseconds: 250), window: window)
            #expect(stored.end?.type == "done", "\(size) bytes: \(stored.error?.header ?? [:])")
            #expect(try readFile(path) == content)
            #expect(try FileChecks.stat("%a %Y", path) == "751 1234567890")
            let fetched = try client.download(path, id: id + 1)
            #expect(fetched.info?["size"]?.integerValue == Int64(size))
            #expect(fetched.info?["mode"]?.integerValue == 0o751)
            #expect(fetched.info?["mtime_ns"]?.integerValue == 250)
            #expect(fetched.data == content)
            #expect(fetched.end?["sha256"]?.stringValue == (try FileChecks.sha256sum(path)))
        }
        #expect(try FileChecks.names(in: directory) == ["file 0", "file 1", "file 65537", "file 9437184"])
    }

    @Test("a wrong hash is hash_mismatch: the destination keeps its old content and no temporary file is left",
          arguments: Setup.all)
    func hashMismatch(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        let directory = Scratch.path("mismatch")
        try createDirectory(directory)
        try writeFile(directory + "/kept", Array("old\n".utf8))
        let content = FileChecks.randomBytes(100_000)
        let result = try client.upload(content, to: directory + "/kept", id: 1, digest: SHA256.digest(content + [0]))
        #expect(result.errorCode == "hash_mismatch")
        #expect(result.error?["id"] == 1)
        #expect(try readFile(directory + "/kept") == Array("old\n".utf8))
        #expect(try FileChecks.names(in: directory) == ["kept"])
        #expect(try client.run("echo still here").stdoutText == "still here\n", "the connection goes on")
    }

    @Test("a client gone in the middle of an upload leaves the old file, no temporary file, and a log line", arguments: ServerMode.allCases)
    func disconnected(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode)
        let directory = Scratch.path("vanished")
        try createDirectory(directory)
        try writeFile(directory + "/kept", Array("old\n".utf8))
        do {
            let client = try TestClient(port: server.port)
            try client.handshake()
            try client.send(.file(id: 7, .upload(path: directory + "/kept", size: 10_000_000, permissions: 0o644, modified: nil)))
            try client.send(.fileData(id: 7, data: FileChecks.randomBytes(1_000_000)))
            #expect(try client.run("echo written").stdoutText == "written\n", "the server has taken the data")
        }
        #expect(eventually { server.log.contains("upload=7 path=\"\(directory)/kept\" bytes=1000000 failed=\"the connection was lost\"") },
                "\(server.log)")
        #expect(try readFile(directory + "/kept") == Array("old\n".utf8))
        #expect(try FileChecks.names(in: directory) == ["kept"])
    }

    @Test("a FIFO is refused at once, never opened; a directory, a device and a missing file each have their code",
          arguments: Setup.all)
    func refusedDownloads(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        let directory = Scratch.path("refused")
        try createDirectory(directory)
        #expect(mkfifo(directory + "/pipe", 0o644) == 0)
        let started = ContinuousClock.now
        let fifo = try client.download(directory + "/pipe", id: 1)
        #expect(fifo.errorCode == "not_regular_file")
        #expect(fifo.error?["message"]?.stringValue == "\(directory)/pipe: is a FIFO")
        #expect(started.duration(to: .now) < .seconds(5))
        #expect(try client.download(directory, id: 2).errorCode == "is_directory")
        #expect(try client.download("/dev/zero", id: 3).errorCode == "not_regular_file")
        #expect(try client.download(directory + "/none", id: 4).errorCode == "no_such_file")
        #expect(try client.run("echo still here").stdoutText == "still here\n")
    }

    @Test("stat, list, mkdir, symlink and set_attributes do what they say", arguments: Setup.all)
    func metadata(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        let directory = Scratch.path("metadata")
        try createDirectory(directory)
        #expect(try client.request(.makeDirectory(path: directory + "/sub", permissions: 0o750), id: 1).end?.type == "done")
        #expect(try FileChecks.stat("%a %F", directory + "/sub") == "750 directory")
        #expect(try client.request(.makeSymbolicLink(path: directory + "/link", target: "sub"), id: 2).end?.type == "done")
        try writeFile(directory + "/sub/file", [1, 2, 3])
        #expect(try client.request(.setAttributes(path: directory + "/sub/file", permissions: 0o600,
                                                  modified: FileTime(seconds: 42)), id: 3).end?.type == "done")
        #expect(try FileChecks.stat("%a %Y", directory + "/sub/file") == "600 42")
        let stat = try client.request(.stat(path: directory + "/link"), id: 4)
        #expect(stat.info?["kind"] == "directory", "stat follows links")
        let listing = try client.request(.list(path: directory), id: 5)
        #expect(listing.end?.type == "done")
        let entries = Dictionary(uniqueKeysWithValues: listing.entries.map { ($0["name"]!.stringValue!, $0) })
        #expect(entries["sub"]?["kind"] == "directory")
        #expect(entries["link"]?["kind"] == "symlink")
        #expect(entries["link"]?["target"] == "sub")
        #expect(try client.request(.list(path: directory + "/sub/file"), id: 6).errorCode == "not_directory")
        #expect(try client.request(.makeDirectory(path: directory + "/sub/file", permissions: 0o755), id: 7).errorCode == "not_directory")
    }

    @Test("relative paths and ~ are relative to the server user's HOME", arguments: ServerMode.allCases)
    func home(_ mode: ServerMode) throws {
        let home = Scratch.path("home")
        try createDirectory(home + "/docs")
        let server = try ServerProcess(mode, try FileChecks.ownHostKey(), launcher: ["/usr/bin/env", "HOME=\(home)"])
        let client = try TestClient(port: server.port)
        try client.handshake()
        #expect(try client.upload(Array("one".utf8), to: "docs/one.txt", id: 1).end?.type == "done")
        #expect(try client.upload(Array("two".utf8), to: "~/two.txt", id: 2).end?.type == "done")
        #expect(try readFile(home + "/docs/one.txt") == Array("one".utf8))
        #expect(try readFile(home + "/two.txt") == Array("two".utf8))
        #expect(try client.download("docs/one.txt", id: 3).data == Array("one".utf8))
        #expect(try client.request(.stat(path: "~"), id: 4).info?["kind"] == "directory")
    }

    @Test("a read-only directory is permission_denied at once, and nothing is left in it", arguments: ServerMode.allCases)
    func readOnlyDirectory(_ mode: ServerMode) throws {
        let directory = Scratch.path("read-only")
        try createDirectory(directory)
        try FileChecks.giveToUnprivilegedUser(directory)
        #expect(chmod(directory, 0o555) == 0)
        let server = try ServerProcess(mode, try FileChecks.ownHostKey(), launcher: FileChecks.unprivilegedLauncher)
        let client = try TestClient(port: server.port)
        try client.handshake()
        let result = try client.upload(FileChecks.randomBytes(10_000), to: directory + "/new", id: 1)
        #expect(result.errorCode == "permission_denied")
        #expect(result.error?["message"]?.stringValue == "\(directory)/new: Permission denied")
        #expect(try FileChecks.names(in: directory).isEmpty)
    }

    @Test("a full file system is no_space, and the partial file is removed",
          .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"),
                   "needs root, to mount a small file system for rshd alone"),
          arguments: ServerMode.allCases)
    func fullFileSystem(_ mode: ServerMode) throws {
        let mountPoint = Scratch.path("small")
        try createDirectory(mountPoint)
        // A 1 MiB tmpfs in a mount namespace of rshd's own: the test's view is untouched, and it goes when rshd does.
        let server = try ServerProcess(mode, launcher: ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                                                        "mount -t tmpfs -o size=1m tmpfs \"$0\" && exec \"$@\"", mountPoint])
        let client = try TestClient(port: server.port)
        try client.handshake()
        let result = try client.upload(FileChecks.randomBytes(3 << 20), to: mountPoint + "/big", id: 1)
        #expect(result.errorCode == "no_space", "\(result.error?.header ?? [:])")
        let left = try client.run("ls -A \(mountPoint); df --output=used -B1 \(mountPoint) | tail -1").stdoutText
        #expect(left.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } == ["0"], "no file left, no space used: \(left)")
    }

    @Test("two uploads to one path at once: the result is one of them whole",
          arguments: Setup.all.filter { $0.mode != .blocking })  // blocking mode serves one connection at a time
    func concurrentUploads(_ setup: Setup) throws {
        let first = try setup.client()
        let second = try setup.client()
        try first.handshake()
        try second.handshake()
        let directory = Scratch.path("race")
        try createDirectory(directory)
        let path = directory + "/same"
        let contents = [FileChecks.randomBytes(500_000), FileChecks.randomBytes(700_000)]
        // Interleaved: both temporary files fill at once, then both are committed.
        for (client, content) in zip([first, second], contents) {
            try client.send(.file(id: 1, .upload(path: path, size: Int64(content.count), permissions: 0o644, modified: nil)))
        }
        for offset in stride(from: 0, to: 700_000, by: 100_000) {
            for (client, content) in zip([first, second], contents) where offset < content.count {
                try client.send(.fileData(id: 1, data: Array(content[offset..<min(content.count, offset + 100_000)])))
            }
        }
        for (client, content) in zip([first, second], contents) { try client.send(.fileEnd(id: 1, sha256: SHA256.digest(content))) }
        #expect(try first.fileResult(1).end?.type == "done")
        #expect(try second.fileResult(1).end?.type == "done")
        let result = try readFile(path)
        #expect(result == contents[0] || result == contents[1])
        #expect(try FileChecks.names(in: directory) == ["same"])
    }

    @Test("a client that does not read a 64 MiB download costs the server less than 16 MiB", arguments: ServerMode.allCases)
    func boundedDownload(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode)
        let path = Scratch.path("big")
        let fd = try FileDescriptor.open(path, .writeOnly, options: [.create], permissions: 0o644)
        try fd.setSize(64 << 20)
        fd.closeAfterUse()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let client = try TestClient(port: server.port)
        try client.handshake()
        let before = try #require(server.statistics.residentBytes)
        try client.send(.file(id: 1, .download(path: path)))
        Thread.sleep(forTimeInterval: 1)
        let during = try #require(server.statistics.residentBytes)
        #expect(during - before < 16 << 20, "grew by \(during - before) bytes")
        let result = try client.fileResult(1)
        #expect(result.data.count == 64 << 20)
        #expect(result.end?["sha256"]?.stringValue == (try FileChecks.sha256sum(path)))
    }
}
