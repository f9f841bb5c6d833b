import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a child's output pipe until end of file, on a thread of its own: hands each line to a callback
/// (for the supervisor's JSON log) and copies the raw bytes to a ``RotatingLogFile``.
///
/// Lines are cut as ``LineSplitter`` describes: pieces written separately come out as one line, a line
/// over ``maxLineBytes`` is truncated with a marker, and a last line without a newline is still handed
/// over at end of file. The log file gets every byte, untruncated, written at line ends where possible so
/// that rotation does not split lines.
///
/// ```swift
/// let pump = OutputPump(logFile: log) { line in logger.info("\(line)", metadata: ["instance": "\(id)"]) }
/// await pump.run(child.output)   // returns once every process holding the pipe's write end is gone
/// ```
public struct OutputPump: Sendable {
    /// The longest line handed to the callback, in bytes: 64 KiB.
    public static let defaultMaxLineBytes = 64 * 1024

    /// The longest line handed to the callback, in bytes; longer ones are truncated with a marker.
    public var maxLineBytes: Int
    /// Where the raw output is also written, if anywhere.
    public var logFile: RotatingLogFile?
    /// Called with each line, without its newline, on the pump's thread, one line at a time.
    public var onLine: @Sendable (String) -> Void

    /// Creates a pump.
    ///
    /// - Parameters:
    ///   - maxLineBytes: at least 1; defaults to ``defaultMaxLineBytes``.
    ///   - logFile: where the raw bytes go too; `nil` for nowhere.
    ///   - onLine: called with each line.
    public init(maxLineBytes: Int = OutputPump.defaultMaxLineBytes, logFile: RotatingLogFile? = nil, onLine: @escaping @Sendable (String) -> Void) {
        self.maxLineBytes = max(1, maxLineBytes)
        self.logFile = logFile
        self.onLine = onLine
    }

    /// Reads `output` until end of file (or a read error), then closes it. Returns when the last line has
    /// been handed over. End of file comes when every process holding the write end has exited or closed
    /// it: signal the child's whole group (``ChildProcess/signalGroup(_:_:)``) to be sure it comes.
    public func run(_ output: FileHandle) async {
        await DedicatedThread.run("bulwark-output") {
            pump(output.fileDescriptor)
            try? output.close()
        }
    }

    private func pump(_ descriptor: Int32) {
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        var unwritten: [UInt8] = []   // the unterminated end of the output, not yet in the log file
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            let chunk = buffer[..<count]
            splitter.append(chunk, onLine)
            if let logFile { logUpToLastNewline(chunk, &unwritten, logFile) }
        }
        splitter.finish(onLine)
        if let logFile, !unwritten.isEmpty { logFile.write(unwritten) }
    }

    /// Writes the complete lines of `unwritten + chunk` in one write and keeps the rest, unless the rest
    /// outgrows a line's limit (it is written then, so a line without end cannot hold memory).
    private func logUpToLastNewline(_ chunk: ArraySlice<UInt8>, _ unwritten: inout [UInt8], _ logFile: RotatingLogFile) {
        guard let newline = chunk.lastIndex(of: UInt8(ascii: "\n")) else {
            unwritten.append(contentsOf: chunk)
            if unwritten.count >= maxLineBytes {
                logFile.write(unwritten)
                unwritten.removeAll(keepingCapacity: true)
            }
            return
        }
        if unwritten.isEmpty {
            logFile.write(chunk[...newline])
        } else {
            unwritten.append(contentsOf: chunk[...newline])
            logFile.write(unwritten)
            unwritten.removeAll(keepingCapacity: true)
        }
        unwritten.append(contentsOf: chunk[chunk.index(after: newline)...])
    }
}
