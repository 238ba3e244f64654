import RSHProtocol
import RSHSystem

/// Talks to a classic mini-SSH server (the Python ones from network
/// programming courses, or rshd): send the command's bytes, read one frame
/// (4-byte length, a JSON header with `total_size`, the body), and pass the
/// body to stdout as it arrives: a reply is never held whole, whatever size
/// the server announces. `timeout` bounds the wait for the whole reply: the
/// classic format has no way to ask the server for a timeout.
final class ClassicRunner: LineRunner {
    private let socket: FileDescriptor
    private let timeout: Duration?
    private var decoder = ClassicReply.decoder(maxBodySize: .max)
    private let output = LocalOutput()
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)

    init(target: String, address: SocketAddress, connectTimeout: Duration? = nil, timeout: Duration?) throws(ClientError) {
        self.timeout = timeout
        do {
            socket = try FileDescriptor.connectedSocket(to: address, timeout: connectTimeout)
        } catch {
            throw .cannotConnect(target, error)
        }
    }

    deinit {
        socket.closeAfterUse()
        buffer.deallocate()
    }

    func run(_ line: String) throws(ClientError) -> LineOutcome {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        do {
            try socket.sendAll(Array(line.utf8))
        } catch {
            throw .connectionLost("\(error)")
        }
        var reply: ClassicReply?
        while true {
            while let part = try nextPart() {
                switch part {
                case .header(let header, _):
                    do {
                        reply = try ClassicReply(header)
                    } catch {
                        throw .protocolViolation(ProtocolError(error.code, "the server broke the protocol: \(error.message)"))
                    }
                case .body(let bytes):
                    try output.write(.standardOutput, bytes)
                case .end:
                    guard let reply else { preconditionFailure("a frame ends after its header") }
                    let code = reply.exitCode ?? 0
                    return LineOutcome(status: reply.status, note: code == 0 ? nil : "[exit \(code)]"
                                       + (reply.truncated ? " [output truncated]" : ""))
                }
            }
            if let deadline, let timeout {
                let ready: PollEvents
                do {
                    ready = try socket.poll(for: .readable, timeoutMilliseconds: pollTimeout(until: deadline))
                } catch {
                    throw .connectionLost("poll failed: \(error)")
                }
                guard !ready.isEmpty else { throw .timedOut(timeout) }
            }
            let count: Int
            do {
                count = try socket.read(into: buffer)
            } catch {
                throw .connectionLost("\(error)")
            }
            guard count > 0 else { throw .connectionLost("the server closed the connection") }
            decoder.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }

    private func nextPart() throws(ClientError) -> FrameDecoder.Part? {
        do {
            return try decoder.nextPart()
        } catch {
            throw .protocolViolation(error)
        }
    }
}
