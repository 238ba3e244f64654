import RemoteShell

/// A pre-shared key for the tests, in a file with mode 0600.
enum TestKey {
    static let path: String = {
        let path = Scratch.path("key")
        try! PreSharedKeyFile.generate(path)
        return path
    }()

    static var bytes: [UInt8] { try! PreSharedKeyFile.load(path) }
}
