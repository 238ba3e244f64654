import RSHFiles
import RSHProtocol
import RSHSystem

/// The server's files over one connection (PROTOCOL.md, section 11), as
/// `rsh cp` uses them: one request at a time, awaited from a coroutine on
/// the connection's loop. Each failure says whose it is: the server's, for
/// this one request (the copy goes on); a local file's (likewise); or the
/// connection's (nothing more can be copied over it).
final class RemoteFiles {
    let client: LoopClient
    /// Whether the user stopped the copy (Ctrl-C): checked whenever a wait is interrupted.
    private let isAbandoned: () -> Bool

    enum Failure: Error {
        /// The server refused or failed this request; `message` names its path.
        case refused(ProtocolError)
        /// A local file failed (read, written, or not what it should be).
        case local(FileError)
        /// The connection is over, or the user stopped the copy.
        case lost(String)
    }

    init(client: LoopClient, isAbandoned: @escaping () -> Bool) {
        self.client = client
        self.isAbandoned = isAbandoned
    }

    // MARK: Requests with one answer

    /// What `path` is on the server, following symbolic links.
    func stat(_ path: String, isolation: isolated (any Actor)? = #isolation) async throws(Failure) -> FileInfo {
        var found: FileInfo?
        try await request(.stat(path: path)) { reply throws(Failure) in
            guard case .info(let info) = reply else { return false }
            found = info
            return true
        }
        return found!
    }

    /// The entries of a directory on the server (links not followed), by
    /// name, and how many names it could not send (not UTF-8).
    func list(_ path: String, isolation: isolated (any Actor)? = #isolation) async throws(Failure)
        -> (entries: [(name: String, info: FileInfo)], skipped: Int64) {
        var entries: [(name: String, info: FileInfo)] = []
        var skipped: Int64 = 0
        try await request(.list(path: path)) { reply throws(Failure) in
            switch reply {
            case .entry(let name, let info): entries.append((name, info))
            case .done(let count): skipped = count; return true
            case .info, .data, .end: break
            }
            return false
        }
        return (entries.sorted { $0.name < $1.name }, skipped)
    }

    func makeDirectory(_ path: String, permissions: UInt32, isolation: isolated (any Actor)? = #isolation) async throws(Failure) {
        try await request(.makeDirectory(path: path, permissions: permissions), isolation: isolation, Self.isDone)
    }

    func placeSymbolicLink(at path: String, target: String, isolation: isolated (any Actor)? = #isolation) async throws(Failure) {
        try await request(.makeSymbolicLink(path: path, target: target), isolation: isolation, Self.isDone)
    }

    func setAttributes(_ path: String, permissions: UInt32?, modified: FileTime?,
                       isolation: isolated (any Actor)? = #isolation) async throws(Failure) {
        try await request(.setAttributes(path: path, permissions: permissions, modified: modified), isolation: isolation, Self.isDone)
    }

    private static func isDone(_ reply: FileReply) -> Bool {
        if case .done = reply { return true }
        return false
    }

    // MARK: Files

    /// Sends a local file: its bytes as the window lets them go (read and
    /// hashed on the way), then their SHA-256. The server puts the file in
    /// place only if both ends agree on every byte. `progress` is told the
    /// bytes sent so far.
    func upload(_ source: FileSource, to path: String, modified: FileTime?, progress: (Int64) -> Void,
                isolation: isolated (any Actor)? = #isolation) async throws(Failure) {
        let id = client.newID()
        let client = self.client
        client.session.queue(.file(id: id, .upload(path: path, size: source.info.size, permissions: source.info.permissions,
                                                     modified: modified)))
        var ended = false
        var localFailure: FileError?
        do throws(Failure) {
            try await replies(id, isolation: isolation, beforeEachTurn: { () throws(Failure) in
                while !ended {
                    // Before the server's hello there is no room: the window is not known yet.
                    let room = client.session.stdinRoom(for: id)
                        ?? max(0, Limits.stdinHighWater - client.session.queuedInputByteCount)
                    guard room > 0 || source.isAtEnd else { return }
                    // Read straight into the frame's body, as large as a frame
                    // may be: the sender's CPU per GiB goes with the number of
                    // reads and frames, and a read into a buffer of its own
                    // would cost a copy of every byte.
                    var readFailure: FileError?
                    let left = Int(source.info.size - source.bytesRead)
                    let data = [UInt8](unsafeUninitializedCapacity: min(room, Limits.maxBodySize, left)) { body, initialized in
                        do throws(FileError) {
                            initialized = try source.read(into: UnsafeMutableRawBufferPointer(body))
                        } catch {
                            readFailure = error
                            initialized = 0
                        }
                    }
                    if let readFailure {
                        // The file changed under us: end the upload short, so
                        // that the server drops it (size_mismatch), and say why.
                        localFailure = readFailure
                        client.session.queue(.fileEnd(id: id, sha256: [UInt8](repeating: 0, count: FileReply.digestLength)))
                        ended = true
                        return
                    }
                    if data.isEmpty {
                        client.session.queue(.fileEnd(id: id, sha256: source.finish()))
                        ended = true
                    } else {
                        client.session.queue(.fileData(id: id, data: data))
                        progress(source.bytesRead)
                    }
                }
            }, Self.isDone)
        } catch .refused where localFailure != nil {
            throw .local(localFailure!)
        }
    }

    /// Fetches a regular file into `destination`: written to a temporary
    /// file beside it, which replaces it only once the size and the SHA-256
    /// check out, with the file's mode (and its time, with
    /// `preservingTime`). `progress` is told the bytes received and the
    /// size. Returns what the server said of the file.
    @discardableResult
    func download(_ path: String, to destination: String, preservingTime: Bool, progress: (Int64, Int64) -> Void,
                  isolation: isolated (any Actor)? = #isolation) async throws(Failure) -> FileInfo {
        let sink: FileSink
        do {
            sink = try FileSink(destination: destination)
        } catch {
            throw .local(error)
        }
        var announced: FileInfo?
        var localFailure: FileError?
        do throws(Failure) {
            try await request(.download(path: path), isolation: isolation) { reply throws(Failure) in
                switch reply {
                case .info(let info):
                    guard info.kind == .regular, announced == nil else { throw .lost("the server announced a download twice, or not a file") }
                    announced = info
                    progress(0, info.size)
                    return false
                case .data(let bytes):
                    guard let info = announced else { throw .lost("the server sent a download's data before its file_info") }
                    // After a local failure the rest is read and dropped: the
                    // server sends the whole file whatever happens here.
                    if localFailure == nil {
                        do throws(FileError) { try sink.write(bytes) } catch { localFailure = error }
                    }
                    progress(sink.size, info.size)
                    return false
                case .end(let digest):
                    guard let info = announced else { throw .lost("the server ended a download it did not announce") }
                    if localFailure == nil {
                        do throws(FileError) {
                            try sink.commit(size: info.size, sha256: digest, permissions: info.permissions,
                                            modified: preservingTime ? info.modified : nil)
                        } catch {
                            localFailure = error
                        }
                    }
                    return true
                case .entry, .done:
                    throw .lost("the server answered a download with \(reply)")
                }
            }
        } catch {
            sink.abort()
            throw error
        }
        if let localFailure { throw .local(localFailure) }
        return announced!
    }

    // MARK: Turns

    /// Sends a request and handles its replies until `handle` says the last one came.
    private func request(_ request: FileRequest, isolation: isolated (any Actor)? = #isolation,
                         _ handle: (FileReply) throws(Failure) -> Bool) async throws(Failure) {
        let id = client.newID()
        client.session.queue(.file(id: id, request))
        try await replies(id, isolation: isolation, handle)
    }

    /// Runs the connection's turns until `handle` takes request `id`'s last
    /// reply. `beforeEachTurn` queues what may go out now (an upload's data).
    private func replies(_ id: Int64, isolation: isolated (any Actor)?, beforeEachTurn: () throws(Failure) -> Void = {},
                         _ handle: (FileReply) throws(Failure) -> Bool) async throws(Failure) {
        while true {
            try beforeEachTurn()
            let turn: LoopClient.Turn
            do {
                turn = try await client.next(isolation: isolation)
            } catch {
                throw .lost(error.reason)
            }
            switch turn {
            case .events(let events):
                for event in events {
                    switch event {
                    case .file(id, let reply):
                        if try handle(reply) { return }
                    case .rejected(let error) where error.id == id:
                        throw .refused(error)
                    case .failed(let error):
                        throw .lost("\(error.message) (\(error.code.rawValue))")
                    case .ready, .pong, .output, .exited, .rejected, .file:
                        continue
                    }
                }
            case .timedOut:
                continue
            case .interrupted:
                if isAbandoned() { throw .lost("interrupted") }
            }
        }
    }
}
