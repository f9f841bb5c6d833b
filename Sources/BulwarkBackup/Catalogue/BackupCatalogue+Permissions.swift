import Foundation
import Logging

/// Tightening what an older Bulwark (or a copy with `cp`) left readable by other users.
extension BackupCatalogue {
    /// Whether `name` is one of the catalogue's own files: archives, manifests and partial files. Other
    /// files in the directory are not Bulwark's, and keep their modes.
    static func isBackupFile(_ name: String) -> Bool {
        name.hasSuffix(".dump") || name.hasSuffix(".json") || name.hasPrefix(".partial-")
    }

    /// Sets the directory to `0700` and its backup files to `0600` where they allowed more. Each change
    /// is logged as a warning: one line for the directory, one for all the files (with their count and
    /// former modes); modes that cannot be changed are logged too. Symlinks to files are not followed.
    func tightenPermissions() {
        switch PrivateFile.tighten(directory.path, directory: true) {
        case .tightened(let from):
            logger.warning("backup directory permissions tightened", metadata: ["path": "\(directory.path)", "from": "\(PrivateFile.octal(from))", "to": "0700"])
        case .failed(let from, let reason):
            logger.warning("backup directory is open to other users and cannot be tightened", metadata: ["path": "\(directory.path)", "mode": "\(PrivateFile.octal(from))", "error": "\(reason)"])
        case .alreadyPrivate, .skipped:
            break
        }
        var tightened: [String] = [], formerModes: Set<String> = [], failed: [String] = [], reasons: Set<String> = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names.sorted() where Self.isBackupFile(name) {
            switch PrivateFile.tighten(directory.appendingPathComponent(name).path, directory: false) {
            case .tightened(let from):
                tightened.append(name)
                formerModes.insert(PrivateFile.octal(from))
            case .failed(_, let reason):
                failed.append(name)
                reasons.insert(reason)
            case .alreadyPrivate, .skipped:
                break
            }
        }
        if !tightened.isEmpty {
            logger.warning("backup file permissions tightened", metadata: [
                "directory": "\(directory.path)", "files": "\(tightened.count)", "first": "\(tightened[0])",
                "from": "\(formerModes.sorted().joined(separator: ","))", "to": "0600",
            ])
        }
        if !failed.isEmpty {
            logger.warning("backup files are open to other users and cannot be tightened", metadata: [
                "directory": "\(directory.path)", "files": "\(failed.count)", "first": "\(failed[0])", "error": "\(reasons.sorted().joined(separator: "; "))",
            ])
        }
    }
}
