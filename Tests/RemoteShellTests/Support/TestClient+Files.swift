import RSHProtocol
import RSHTLS

/// File requests at the byte level (PROTOCOL.md, section 11): what rsh cp
/// sends, with every part in the test's hands (a wrong hash, a stop halfway).
extension TestClient {
    /// The end of one file request: the last frame, and what came before it.
    struct FileResult {
        var info: Frame?
        var data: [UInt8] = []
        var entries: [Frame] = []
        /// `done` or `file_end`.
        var end: Frame?
        var error: Frame?
        var errorCode: String? { error?["code"]?.stringValue }
    }

    /// Sends a request and reads its frames until its last one.
    func request(_ request: FileRequest, id: Int64) throws -> FileResult {
        try send(.file(id: id, request))
        if case .stat = request { return try fileResult(id, stat: true) }
        return try fileResult(id)
    }

    /// Reads the frames of request `id` until its last one (`done`, `file_end`,
    /// an `error`, or a stat's `file_info`); `file_ack`s are passed over.
    func fileResult(_ id: Int64, stat: Bool = false) throws -> FileResult {
        var result = FileResult()
        while true {
            let frame = try readFrame()
            guard frame["id"]?.integerValue == id else { throw TestFailure("a frame for another request: \(frame.header)") }
            switch frame.type {
            case "file_info":
                result.info = frame
                if stat { return result }
            case "entry": result.entries.append(frame)
            case "file_data": result.data += frame.body
            case "done", "file_end":
                result.end = frame
                return result
            case "error":
                result.error = frame
                return result
            case "file_ack": continue
            default: throw TestFailure("unexpected frame \(frame.header)")
            }
        }
    }

    /// Uploads `content` in `chunk`-byte frames, then its end with `digest`
    /// (the true SHA-256 unless given), keeping within `window` if the
    /// server gave one; `stopAfter` stops sending after that many bytes and
    /// returns nothing. Returns the upload's last frame.
    @discardableResult
    func upload(_ content: [UInt8], to path: String, id: Int64, permissions: UInt32 = 0o644, modified: FileTime? = nil,
                digest: [UInt8]? = nil, chunk: Int = 65_536, window: Int? = nil) throws -> FileResult {
        try send(.file(id: id, .upload(path: path, size: Int64(content.count), permissions: permissions, modified: modified)))
        var unacknowledged = 0
        var offset = 0
        while offset < content.count {
            let end = min(content.count, offset + chunk, window.map { offset + $0 - unacknowledged } ?? .max)
            if end <= offset {
                // The window is full: wait for the server's acknowledgement.
                let frame = try readFrame()
                switch frame.type {
                case "file_ack": unacknowledged -= Int(frame["bytes"]?.integerValue ?? 0)
                case "error": return FileResult(error: frame)
                default: throw TestFailure("unexpected frame during an upload: \(frame.header)")
                }
                continue
            }
            try send(.fileData(id: id, data: Array(content[offset..<end])))
            unacknowledged += end - offset
            offset = end
        }
        try send(.fileEnd(id: id, sha256: digest ?? SHA256.digest(content)))
        return try fileResult(id)
    }

    /// Downloads `path`: its `file_info`, its bytes, and its `file_end` (or an error).
    func download(_ path: String, id: Int64) throws -> FileResult {
        try request(.download(path: path), id: id)
    }
}
