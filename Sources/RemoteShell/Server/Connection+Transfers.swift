import RSHFiles
import RSHProtocol
import RSHSpawn
import RSHSystem

/// File requests, carried out for every driver as commands are: the session
/// decides (`TransferAction`), this does the file work through RSHFiles and
/// reports back. Uploads are written as their frames arrive, so the server
/// holds no more of a file than one frame; downloads and listings are read
/// only while the client takes what is queued (`acceptsChildOutput`, the
/// backpressure of command output), with the same fairness bound per turn.
extension Connection {
    /// Whether a download or listing could go on without waiting: its file
    /// is always ready, so only the send queue's room holds it back.
    var hasReadyTransfers: Bool {
        machine.acceptsChildOutput && transfers.values.contains { $0.isSource }
    }

    func carryOut(_ action: TransferAction, now: ContinuousClock.Instant) {
        switch action {
        case .perform(let id, let request):
            perform(id, request, now: now)
        case .write(let id, let data):
            guard case .upload(let sink, _, _, _) = transfers[id] else { return }
            do {
                try sink.write(data)
            } catch {
                failed(id, error, now: now)
                return
            }
            apply(machine.uploadWritten(id, data.count, now: now), now: now)
        case .commit(let id, let digest):
            guard case .upload(let sink, let size, let permissions, let modified) = transfers[id] else { return }
            do {
                try sink.commit(size: size, sha256: digest, permissions: permissions, modified: modified)
            } catch {
                failed(id, error, now: now)
                return
            }
            transfers[id] = nil
            apply(machine.transferReplied(id, .done(skipped: 0), now: now), now: now)
        case .abort(let id):
            transfers.removeValue(forKey: id)?.abort()
        case .finished(let record):
            log(record)
        }
    }

    /// Reads each download and listing while the send queue has room, at
    /// most `ChildProcess.readsPerTurn` times each.
    func serviceTransfers(buffer: UnsafeMutableRawBufferPointer, now: ContinuousClock.Instant) {
        for (id, transfer) in transfers where transfer.isSource {
            var turns = 0
            while turns < ChildProcess.readsPerTurn, machine.acceptsChildOutput, transfers[id] != nil {
                turns += 1
                do {
                    switch transfer {
                    case .download(let source):
                        let count = try source.read(into: buffer)
                        if count > 0 {
                            machine.downloadData(id, UnsafeRawBufferPointer(rebasing: buffer[..<count]), now: now)
                        } else {
                            transfers[id] = nil
                            apply(machine.transferReplied(id, .end(sha256: source.finish()), now: now), now: now)
                        }
                    case .listing(let reader):
                        if let (name, info) = try reader.next() {
                            apply(machine.transferReplied(id, .entry(name: name, info), now: now), now: now)
                        } else {
                            transfers[id] = nil
                            reader.close()
                            apply(machine.transferReplied(id, .done(skipped: reader.skipped), now: now), now: now)
                        }
                    case .upload:
                        preconditionFailure("an upload is not read")
                    }
                } catch {
                    failed(id, error, now: now)
                }
            }
        }
    }

    private func perform(_ id: Int64, _ request: FileRequest, now: ContinuousClock.Instant) {
        let path = ServerHome.resolved(request.path)
        do throws(FileError) {
            switch request {
            case .stat:
                let info = try FileOperations.info(path)
                apply(machine.transferReplied(id, .info(info), now: now), now: now)
            case .list:
                transfers[id] = .listing(try DirectoryReader(path))
            case .makeDirectory(_, let permissions):
                try FileOperations.makeDirectory(path, permissions: permissions)
                apply(machine.transferReplied(id, .done(skipped: 0), now: now), now: now)
            case .makeSymbolicLink(_, let target):
                try FileOperations.placeSymbolicLink(at: path, target: target)
                apply(machine.transferReplied(id, .done(skipped: 0), now: now), now: now)
            case .setAttributes(_, let permissions, let modified):
                try FileOperations.setAttributes(path, permissions: permissions, modified: modified)
                apply(machine.transferReplied(id, .done(skipped: 0), now: now), now: now)
            case .upload(_, let size, let permissions, let modified):
                transfers[id] = .upload(try FileSink(destination: path), size: size, permissions: permissions, modified: modified)
            case .download:
                let source = try FileSource(path)
                transfers[id] = .download(source)
                apply(machine.transferReplied(id, .info(source.info), now: now), now: now)
            }
        } catch {
            failed(id, error, now: now)
        }
    }

    /// The file work for `id` failed: what was held for it is dropped, and the client told.
    private func failed(_ id: Int64, _ error: FileError, now: ContinuousClock.Instant) {
        transfers.removeValue(forKey: id)?.abort()
        apply(machine.transferFailed(ProtocolError(error.code, error.description, id: id), now: now), now: now)
    }

    /// One log line per upload or download (a warning when it failed); the
    /// other requests (a `stat`, a `mkdir`, ...), which a recursive copy
    /// makes by the thousand and whose failures are often the expected
    /// answer (a `stat` of a destination yet to be made), at debug.
    private func log(_ record: TransferRecord) {
        var line = "conn=\(id) \(record.request.type)=\(record.id) path=\(Self.quoted(ServerHome.resolved(record.request.path)))"
        if record.request.movesContent { line += " bytes=\(record.bytes)" }
        if let failure = record.failure { line += " failed=\(Self.quoted(failure))" }
        if !record.request.movesContent {
            logger.debug(line)
        } else if record.failure != nil {
            logger.warning(line)
        } else {
            logger.info(line)
        }
    }
}
