import BulwarkConfig
import BulwarkTestSupport
import Foundation
import Testing
import Yams

#if canImport(Glibc)
import Glibc
#endif

// Offline validation of what deploy/ ships (issue 23): no Docker engine, no cluster, no systemd as PID 1.
//
// 1. Every Bulwark config in deploy/ passes `bulwark check` (the built binary).
// 2. Every systemd unit passes `systemd-analyze verify` with ExecStart pointing at the built binary, and
//    carries the options the issue asks for.
// 3. The Kubernetes manifests validate against their JSON schemas with `kubernetes-validate` (PyPI; it ships
//    the schemas of Kubernetes 1.25-1.37, so nothing is downloaded), and agree with the ConfigMap's config.
// 4. docker-compose.yml and the Dockerfile are checked structurally against the files of this repository.
//
// Under CI=true a missing tool fails the test; elsewhere the test is skipped with the reason.

// MARK: - Where things are

enum DeployTree {
    /// The repository root: this file is Tests/BulwarkGatewayTests/Deploy/DeployFilesTests.swift.
    /// BULWARK_DEPLOY_TEST_ROOT points the checks at another tree (to see them fail on a broken copy).
    static let root: String = {
        if let override = ProcessInfo.processInfo.environment["BULWARK_DEPLOY_TEST_ROOT"], !override.isEmpty { return override }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url = url.deletingLastPathComponent() }
        return url.path
    }()

    /// The absolute path of `relative` (to the repository root).
    static func path(_ relative: String) -> String { root + "/" + relative }

    static func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    static func isDirectory(_ relative: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path(relative), isDirectory: &directory) && directory.boolValue
    }

    /// The text of `relative`, or a failure naming the missing file.
    static func read(_ relative: String) throws -> String {
        guard let text = try? String(contentsOfFile: path(relative), encoding: .utf8) else {
            throw TestFailure("\(relative): missing or unreadable")
        }
        return text
    }

    /// The names in directory `relative`, sorted; empty when it does not exist.
    static func list(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(relative))) ?? []).sorted()
    }

    /// `path` made relative to the repository root (for messages).
    static func display(_ path: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// Collapses `.` and `..` in a relative path (`deploy/../Sources` is `Sources`).
    static func normalize(_ relative: String) -> String {
        var parts: [Substring] = []
        for part in relative.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// The built `bulwark`, as an absolute path.
    static var binary: String {
        let path = BinaryRunner.binaryPath
        return path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "bulwark-deploy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

// MARK: - Running tools

struct ToolResult: Sendable {
    let status: Int32
    let output: String
    let error: String
    var combined: String { output + error }
}

enum DeployTools {
    static let kubernetesValidate = "/opt/bulwark-moto/bin/kubernetes-validate"
    /// The Kubernetes version whose schemas the manifests are checked against (kubernetes-validate 1.37.0
    /// ships 1.25.0 to 1.37.0; 1.30 has autoscaling/v2, policy/v1 and the preStop `sleep` action).
    static let kubernetesVersion = "1.30.0"

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        return directories.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let systemdAnalyze = which("systemd-analyze")
    static let systemdAnalyzeRuns = systemdAnalyze != nil || RedisServer.isCI
    static let kubernetesValidateRuns = FileManager.default.isExecutableFile(atPath: kubernetesValidate) || RedisServer.isCI

    /// Runs `executable` to completion (bounded), output collected through files (no pipe can fill up).
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        within limit: Duration = .seconds(60)
    ) async throws -> ToolResult {
        let directory = try DeployTree.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outPath = directory + "/stdout", errPath = directory + "/stderr"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        guard let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath) else {
            throw TestFailure("cannot create output files in \(directory)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) did not finish within \(limit)")
        }
        try? out.close()
        try? err.close()
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let error = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return ToolResult(status: process.terminationStatus, output: output, error: error)
    }
}

// MARK: - YAML as a small Sendable tree

/// A YAML document loaded with Yams (anchors and `<<` merge keys resolved), scalars kept as text.
indirect enum YAMLValue: Sendable {
    case map([String: YAMLValue])
    case list([YAMLValue])
    case scalar(String)
    case null

    init(_ any: Any?) {
        switch any {
        case nil: self = .null
        case let mapping as [AnyHashable: Any]:
            var result: [String: YAMLValue] = [:]
            for (key, value) in mapping { result["\(key.base)"] = YAMLValue(value) }
            self = .map(result)
        case let sequence as [Any]: self = .list(sequence.map { YAMLValue($0) })
        case let string as String: self = .scalar(string)
        case let bool as Bool: self = .scalar(bool ? "true" : "false")
        case let int as Int: self = .scalar(String(int))
        case let double as Double: self = .scalar(double == double.rounded() && abs(double) < 1e15 ? String(Int(double)) : String(double))
        case is NSNull: self = .null
        case let other?: self = .scalar("\(other)")
        }
    }

    static func load(_ text: String, file: String) throws -> YAMLValue {
        do { return YAMLValue(try Yams.load(yaml: text)) } catch { throw TestFailure("\(file): invalid YAML: \(error)") }
    }

    static func loadAll(_ text: String, file: String) throws -> [YAMLValue] {
        do { return try Yams.load_all(yaml: text).map { YAMLValue($0) }.filter { if case .null = $0 { false } else { true } } } catch {
            throw TestFailure("\(file): invalid YAML: \(error)")
        }
    }

    subscript(_ key: String) -> YAMLValue? {
        if case .map(let mapping) = self { return mapping[key] }
        return nil
    }

    /// Follows a dotted path of mapping keys.
    func at(_ path: String) -> YAMLValue? {
        var node: YAMLValue? = self
        for key in path.split(separator: ".") { node = node?[String(key)] }
        return node
    }

    var string: String? { if case .scalar(let text) = self { text } else { nil } }
    var int: Int? { string.flatMap { Int($0) } }
    var list: [YAMLValue] { if case .list(let items) = self { items } else { [] } }
    var mapping: [String: YAMLValue]? { if case .map(let mapping) = self { mapping } else { nil } }
    var isNull: Bool { if case .null = self { true } else { false } }
}

// MARK: - Bulwark configs

enum BulwarkConfigs {
    /// Keys that only a Bulwark config has at its top level.
    static let topLevelKeys: Set<String> = ["server", "admin", "upstreams", "routes", "redis", "rate_limits", "alerts", "backup", "processes"]

    /// `${NAME}` references without a default (`${NAME:-x}` has one and is left unset, so that the default
    /// is what gets checked). `$$` is a literal dollar.
    static func requiredVariables(in text: String) -> [String] {
        var names: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "$", next < text.endIndex, text[next] == "$" {
                index = text.index(after: next)
                continue
            }
            if character == "$", next < text.endIndex, text[next] == "{", let close = text[next...].firstIndex(of: "}") {
                let inner = String(text[text.index(after: next)..<close])
                if !inner.contains(":-"), !inner.isEmpty, !names.contains(inner) { names.append(inner) }
                index = text.index(after: close)
                continue
            }
            index = next
        }
        return names
    }

    /// A plausible value for a variable the file needs: a URL of the right scheme for `*_URL`, a port, a
    /// duration, and `secret` for anything else (passwords, tokens).
    static func placeholder(for name: String) -> String {
        let upper = name.uppercased()
        if upper.hasSuffix("_URL") || upper.hasSuffix("_URI") {
            if upper.contains("REDIS") { return "redis://127.0.0.1:6379/0" }
            if upper.contains("POSTGRES") || upper.contains("DATABASE") || upper.contains("PG") { return "postgres://bulwark@127.0.0.1:5432/app" }
            return "http://127.0.0.1:3000"
        }
        if upper.hasSuffix("_PORT") { return "8080" }
        if upper.hasSuffix("_TIMEOUT") { return "30s" }
        return "secret"
    }

    /// The admin token variable a config names (`admin.token_env`, default BULWARK_ADMIN_TOKEN).
    static func tokenVariable(in text: String) -> String {
        (try? YAMLValue.load(text, file: ""))?.at("admin.token_env")?.string ?? AdminSettings.Defaults.tokenEnvironmentVariable
    }

    /// The environment `check` runs with: ours without the BULWARK_* overrides (they would change what is
    /// checked), plus a placeholder for each variable the file needs and for the admin token.
    static func checkEnvironment(for text: String) -> (environment: [String: String], placeholders: [String: String]) {
        var environment = ProcessInfo.processInfo.environment
        for (variable, _) in BulwarkConfiguration.environmentOverrides { environment[variable] = nil }
        var placeholders: [String: String] = [:]
        for name in requiredVariables(in: text) { placeholders[name] = placeholder(for: name) }
        placeholders[tokenVariable(in: text)] = placeholders[tokenVariable(in: text)] ?? "secret"
        environment.merge(placeholders) { _, new in new }
        return (environment, placeholders)
    }

    /// Parses a config as it would be read in a deployment whose environment is `environment`; variables it
    /// needs that `environment` lacks get placeholders.
    static func parse(_ text: String, file: String, environment: [String: String]) throws -> BulwarkConfiguration {
        var merged = environment
        for name in requiredVariables(in: text) where merged[name] == nil { merged[name] = placeholder(for: name) }
        do {
            return try BulwarkConfiguration.parse(yaml: text, environment: merged)
        } catch {
            let problems = error.issues.map { "\($0.keyPath): \($0.problem)" }.joined(separator: "; ")
            throw TestFailure("\(file): the config does not load: \(problems)")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

// MARK: - systemd units

struct SystemdUnit {
    struct Entry { let section: String; let key: String; let value: String; let line: Int }
    let entries: [Entry]

    init(_ text: String) {
        var entries: [Entry] = []
        var section = ""
        var pending = ""
        var pendingLine = 0
        for (number, raw) in text.components(separatedBy: "\n").enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty {
                if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
                if line.hasPrefix("["), line.hasSuffix("]") { section = String(line.dropFirst().dropLast()); continue }
                pendingLine = number + 1
            } else if line.hasPrefix("#") || line.hasPrefix(";") {
                continue
            }
            if line.hasSuffix("\\") {
                line.removeLast()
                pending += line + " "
                continue
            }
            let full = pending + line
            pending = ""
            guard let equals = full.firstIndex(of: "=") else { continue }
            let key = full[..<equals].trimmingCharacters(in: .whitespaces)
            let value = full[full.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            entries.append(Entry(section: section, key: key, value: value, line: pendingLine))
        }
        self.entries = entries
    }

    func values(_ key: String, in section: String = "Service") -> [String] {
        entries.filter { $0.section == section && $0.key == key }.map(\.value)
    }

    /// The last value (systemd's rule for single-valued keys).
    func value(_ key: String, in section: String = "Service") -> String? { values(key, in: section).last }

    static func isTrue(_ value: String?) -> Bool { ["yes", "true", "1", "on"].contains(value?.lowercased() ?? "") }

    /// Rewrites every `Exec*=` line whose executable is `bulwark` to run `binary`, keeping prefixes
    /// (`-`, `@`, `+`, `!`, `:`) and arguments.
    static func rewritingExecutable(_ text: String, to binary: String) -> (text: String, rewritten: Int) {
        var count = 0
        let lines = text.components(separatedBy: "\n").map { line -> String in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("Exec"), let equals = trimmed.firstIndex(of: "=") else { return line }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var rest = Substring(trimmed[trimmed.index(after: equals)...]).drop { $0 == " " }
            var prefix = ""
            while let first = rest.first, "-@+!:".contains(first) { prefix.append(first); rest = rest.dropFirst() }
            let executable = rest.prefix { $0 != " " }
            guard executable.split(separator: "/").last == "bulwark" else { return line }
            count += 1
            return "\(key)=\(prefix)\(binary)\(rest.dropFirst(executable.count))"
        }
        return (lines.joined(separator: "\n"), count)
    }
}

// MARK: - Dockerfile

struct Dockerfile {
    struct Instruction { let line: Int; let keyword: String; let arguments: String }
    let instructions: [Instruction]

    init(_ text: String) {
        var result: [Instruction] = []
        var pending = ""
        var startLine = 0
        for (number, raw) in text.components(separatedBy: "\n").enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") || (trimmed.isEmpty && pending.isEmpty) { continue }
            if pending.isEmpty { startLine = number + 1 }
            if trimmed.hasSuffix("\\") {
                pending += String(trimmed.dropLast()) + " "
                continue
            }
            let full = (pending + trimmed).trimmingCharacters(in: .whitespaces)
            pending = ""
            guard !full.isEmpty else { continue }
            let keyword = full.prefix { !$0.isWhitespace }
            let arguments = full.dropFirst(keyword.count).trimmingCharacters(in: .whitespaces)
            result.append(Instruction(line: startLine, keyword: keyword.uppercased(), arguments: arguments))
        }
        instructions = result
    }

    /// The instructions after the last FROM.
    var finalStage: [Instruction] {
        guard let last = instructions.lastIndex(where: { $0.keyword == "FROM" }) else { return instructions }
        return Array(instructions[last...])
    }

    /// Exec form (`["a", "b"]`) or shell form (split on whitespace).
    static func words(_ arguments: String) -> [String] {
        if arguments.hasPrefix("["), let data = arguments.data(using: .utf8),
           let array = try? JSONSerialization.jsonObject(with: data) as? [String] {
            return array
        }
        return arguments.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    /// `ENV K=V K2=V2` or `ENV K V` of the final stage.
    var finalEnvironment: [String: String] {
        var environment: [String: String] = [:]
        for instruction in finalStage where instruction.keyword == "ENV" {
            let words = Self.words(instruction.arguments)
            if let first = words.first, !first.contains("=") {
                environment[first] = words.dropFirst().joined(separator: " ")
            } else {
                for word in words {
                    let parts = word.split(separator: "=", maxSplits: 1)
                    if parts.count == 2 { environment[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                }
            }
        }
        return environment
    }
}

/// The port in `:PORT/health/live` wherever it appears in `text` (a URL in a healthcheck or probe).
func healthLivePorts(in text: String) -> [Int] {
    guard let regex = try? Regex(":([0-9]+)/health/live") else { return [] }
    return text.matches(of: regex).compactMap { match in match.output[1].substring.flatMap { Int($0) } }
}

/// Whether `name` matches the shell pattern `pattern` (fnmatch).
func shellPatternMatches(_ pattern: String, _ name: String) -> Bool { fnmatch(pattern, name, 0) == 0 }

// MARK: - Compose

enum Compose {
    /// Compose's interpolation: `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}`, `${VAR?e}`, `${VAR:+r}`,
    /// `$VAR`, `$$`. Variables neither in `environment` nor defaulted are collected in `missing`.
    static func interpolate(_ text: String, _ environment: [String: String], missing: inout [String]) -> String {
        var out = ""
        var index = text.startIndex
        func isNameCharacter(_ c: Character) -> Bool { c == "_" || c.isLetter || c.isNumber }
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else { out.append(character); index = next; continue }
            if text[next] == "$" { out.append("$"); index = text.index(after: next); continue }
            if text[next] == "{", let close = text[next...].firstIndex(of: "}") {
                let inner = String(text[text.index(after: next)..<close])
                let name = String(inner.prefix { isNameCharacter($0) })
                let operation = inner.dropFirst(name.count)
                let value = environment[name]
                if operation.hasPrefix(":-") {
                    out += (value?.isEmpty ?? true) ? String(operation.dropFirst(2)) : value!
                } else if operation.hasPrefix("-") {
                    out += value ?? String(operation.dropFirst())
                } else if operation.hasPrefix(":+") {
                    out += (value?.isEmpty ?? true) ? "" : String(operation.dropFirst(2))
                } else if operation.hasPrefix("+") {
                    out += value == nil ? "" : String(operation.dropFirst())
                } else {
                    if value == nil || (operation.hasPrefix(":?") && value!.isEmpty) { missing.append(name) }
                    out += value ?? ""
                }
                index = text.index(after: close)
                continue
            }
            if isNameCharacter(text[next]) {
                let name = String(text[next...].prefix { isNameCharacter($0) })
                if environment[name] == nil { missing.append(name) }
                out += environment[name] ?? ""
                index = text.index(next, offsetBy: name.count)
                continue
            }
            out.append(character)
            index = next
        }
        return out
    }

    /// `KEY=VALUE` lines (comments, blanks and `export ` skipped; surrounding quotes removed).
    static func parseEnvFile(_ text: String) -> [String: String] {
        var environment: [String: String] = [:]
        for raw in text.components(separatedBy: "\n") {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
                value = String(value.dropFirst().dropLast())
            }
            environment[key] = value
        }
        return environment
    }

    /// `environment:` as a mapping or a list of `K=V` (a bare `K` takes the value from `fallback`).
    static func environment(of service: YAMLValue, fallback: [String: String]) -> [String: String] {
        var environment: [String: String] = [:]
        if let mapping = service["environment"]?.mapping {
            for (key, value) in mapping { environment[key] = value.string ?? "" }
        } else {
            for item in service["environment"]?.list ?? [] {
                guard let text = item.string else { continue }
                let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.count == 2 { environment[String(parts[0])] = String(parts[1]) } else if let value = fallback[text] { environment[text] = value }
            }
        }
        return environment
    }

    struct Mount { let source: String; let target: String; let isBind: Bool }

    /// `volumes:` entries, short (`SRC:DST[:MODE]`) or long syntax. A bind mount's source starts with `.`,
    /// `/` or `~`; anything else is a named volume.
    static func mounts(of service: YAMLValue) -> [Mount] {
        service["volumes"]?.list.compactMap { item -> Mount? in
            if let text = item.string {
                let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 2 else { return Mount(source: "", target: parts[0], isBind: false) }
                let bind = parts[0].hasPrefix(".") || parts[0].hasPrefix("/") || parts[0].hasPrefix("~")
                return Mount(source: parts[0], target: parts[1], isBind: bind)
            }
            guard let source = item["source"]?.string, let target = item["target"]?.string else { return nil }
            return Mount(source: source, target: target, isBind: item["type"]?.string == "bind")
        } ?? []
    }

    /// A list or a single string (`command:`, `entrypoint:`, healthcheck `test:`) as words.
    static func words(_ value: YAMLValue?) -> [String] {
        guard let value else { return [] }
        if let text = value.string { return text.split(whereSeparator: \.isWhitespace).map(String.init) }
        return value.list.compactMap(\.string)
    }
}

// MARK: - Kubernetes

struct KubernetesObject {
    let file: String
    let document: YAMLValue
    var kind: String { document["kind"]?.string ?? "" }
    var name: String { document.at("metadata.name")?.string ?? "" }
    var label: String { "\(file) (\(kind) \(name))" }
}

enum Kubernetes {
    static let directory = "deploy/kubernetes"

    /// The manifests: every .yaml/.yml in deploy/kubernetes but kustomization.yaml.
    static var manifestFiles: [String] {
        DeployTree.list(directory).filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix("kustomization.") }
    }

    static func objects() throws -> [KubernetesObject] {
        try manifestFiles.flatMap { name -> [KubernetesObject] in
            let file = "\(directory)/\(name)"
            return try YAMLValue.loadAll(try DeployTree.read(file), file: file).map { KubernetesObject(file: file, document: $0) }
        }
    }

    /// The config embedded in the ConfigMap with a `bulwark.yaml` key.
    static func embeddedConfig(in objects: [KubernetesObject]) throws -> (object: KubernetesObject, text: String) {
        for object in objects where object.kind == "ConfigMap" {
            if let text = object.document.at("data")?["bulwark.yaml"]?.string { return (object, text) }
        }
        throw TestFailure("\(directory): no ConfigMap has a data key 'bulwark.yaml' (the gateway's config)")
    }

    /// A port given as a number or as the name of one of `container`'s ports.
    static func resolve(port: YAMLValue?, in container: YAMLValue) -> Int? {
        guard let port else { return nil }
        if let number = port.int { return number }
        guard let name = port.string else { return nil }
        return container["ports"]?.list.first { $0["name"]?.string == name }?["containerPort"]?.int
    }

    /// The value of each key of a Secret (`stringData` as is, `data` decoded, or a placeholder) or ConfigMap.
    static func keys(of object: KubernetesObject) -> [String: String] {
        var values: [String: String] = [:]
        for (key, value) in object.document["data"]?.mapping ?? [:] {
            if object.kind == "Secret" {
                values[key] = value.string.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? "secret"
            } else {
                values[key] = value.string ?? ""
            }
        }
        for (key, value) in object.document["stringData"]?.mapping ?? [:] { values[key] = value.string ?? "" }
        return values
    }

    /// The container's environment: `env` values (a `valueFrom` reads the referenced Secret or ConfigMap
    /// key when it is in the manifests, else `secret`) and `envFrom`.
    static func environment(of container: YAMLValue, objects: [KubernetesObject]) -> [String: String] {
        func find(_ kind: String, _ name: String?) -> KubernetesObject? { objects.first { $0.kind == kind && $0.name == name } }
        var environment: [String: String] = [:]
        for source in container["envFrom"]?.list ?? [] {
            let prefix = source["prefix"]?.string ?? ""
            if let object = find("Secret", source.at("secretRef.name")?.string) ?? find("ConfigMap", source.at("configMapRef.name")?.string) {
                for (key, value) in keys(of: object) { environment[prefix + key] = value }
            }
        }
        for item in container["env"]?.list ?? [] {
            guard let name = item["name"]?.string else { continue }
            if let value = item["value"]?.string {
                environment[name] = value
            } else if let reference = item.at("valueFrom.secretKeyRef") {
                environment[name] = find("Secret", reference["name"]?.string).flatMap { keys(of: $0)[reference["key"]?.string ?? ""] } ?? "secret"
            } else if let reference = item.at("valueFrom.configMapKeyRef") {
                environment[name] = find("ConfigMap", reference["name"]?.string).flatMap { keys(of: $0)[reference["key"]?.string ?? ""] } ?? "secret"
            } else {
                environment[name] = "secret"
            }
        }
        return environment
    }

    /// Seconds slept by a preStop hook: the `sleep` action or an exec of `sleep N`.
    static func preStopSeconds(_ preStop: YAMLValue?) -> Double? {
        guard let preStop else { return nil }
        if let seconds = preStop.at("sleep.seconds")?.int { return Double(seconds) }
        let command = Compose.words(preStop.at("exec.command")).joined(separator: " ")
        guard let regex = try? Regex("sleep[ ]+([0-9.]+)s?"), let match = command.firstMatch(of: regex),
              let text = match.output[1].substring else { return nil }
        return Double(text)
    }

    /// Whether every `selector` label is among `labels`.
    static func selects(_ selector: [String: YAMLValue]?, _ labels: [String: YAMLValue]?) -> Bool {
        guard let selector, !selector.isEmpty else { return false }
        return selector.allSatisfy { key, value in labels?[key]?.string == value.string }
    }
}

// MARK: - The tests

@Suite("deploy/: the shipped files, validated offline", .serialized, .timeLimit(.minutes(1)))
struct DeployFilesTests {

    // MARK: 1. bulwark check

    /// Every Bulwark config in deploy/, relative to the repository root, with its text. The Kubernetes one
    /// is extracted from the ConfigMap into a temporary file.
    static func shippedConfigs(temporary: String) throws -> [(label: String, path: String, text: String)] {
        var configs: [(String, String, String)] = []
        configs.append(("deploy/bulwark.yaml", DeployTree.path("deploy/bulwark.yaml"), try DeployTree.read("deploy/bulwark.yaml")))
        // Every Bulwark config in deploy/compose and deploy/systemd (prometheus.yml and the like are not).
        for directory in ["deploy/compose", "deploy/systemd"] {
            var found = 0
            for name in DeployTree.list(directory) where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                let file = "\(directory)/\(name)"
                let text = try DeployTree.read(file)
                guard let keys = (try? YAMLValue.load(text, file: file))?.mapping?.keys,
                      !BulwarkConfigs.topLevelKeys.isDisjoint(with: keys) else { continue }
                configs.append((file, DeployTree.path(file), text))
                found += 1
            }
            if !DeployTree.exists("\(directory)/bulwark.yaml") || found == 0 {
                throw TestFailure("\(directory)/bulwark.yaml: missing (or not a Bulwark config)")
            }
        }
        let (configMap, text) = try Kubernetes.embeddedConfig(in: try Kubernetes.objects())
        let extracted = temporary + "/configmap-bulwark.yaml"
        try text.write(toFile: extracted, atomically: true, encoding: .utf8)
        configs.append(("\(configMap.file) (ConfigMap \(configMap.name), key bulwark.yaml)", extracted, text))
        return configs
    }

    @Test("every Bulwark config in deploy/ passes `bulwark check` (placeholders for the ${VAR}s it needs)")
    func configsPassCheck() async throws {
        let temporary = try DeployTree.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        for config in try Self.shippedConfigs(temporary: temporary) {
            let (environment, placeholders) = BulwarkConfigs.checkEnvironment(for: config.text)
            let result = try await DeployTools.run(DeployTree.binary, ["check", "--config", config.path], environment: environment)
            let shown = placeholders.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            #expect(result.status == 0, "\(config.label): `bulwark check` exited \(result.status) (with \(shown)):\n\(result.combined)")
        }
    }

    // MARK: 2. systemd

    static let systemdDirectory = "deploy/systemd"

    @Test("every unit in deploy/systemd passes `systemd-analyze verify` with ExecStart at the built binary",
          .enabled(if: DeployTools.systemdAnalyzeRuns, "systemd-analyze is not installed (apt-get install systemd); under CI=true this fails"))
    func systemdVerify() async throws {
        let analyze = try #require(DeployTools.systemdAnalyze, "systemd-analyze is not installed but CI=true: install Debian's systemd package")
        let units = DeployTree.list(Self.systemdDirectory).filter { $0.hasSuffix(".service") }
        #expect(units.contains("bulwark.service"), "\(Self.systemdDirectory)/bulwark.service: missing")
        let temporary = try DeployTree.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        for unit in units {
            let file = "\(Self.systemdDirectory)/\(unit)"
            let (text, rewritten) = SystemdUnit.rewritingExecutable(try DeployTree.read(file), to: DeployTree.binary)
            #expect(rewritten > 0, "\(file): no ExecStart= runs bulwark (nothing to point at the built binary)")
            let copy = temporary + "/" + unit
            try text.write(toFile: copy, atomically: true, encoding: .utf8)
            var environment = ProcessInfo.processInfo.environment
            environment["SYSTEMD_LOG_COLOR"] = "0"
            environment["SYSTEMD_PAGER"] = ""
            let result = try await DeployTools.run(analyze, ["verify", "--man=no", "--recursive-errors=no", copy], environment: environment)
            let output = result.combined.replacingOccurrences(of: copy, with: file)
            let bad = output.components(separatedBy: "\n").filter { line in
                (line.contains(file) || line.contains(unit))
                    && (line.contains("Unknown key") || line.contains("Failed") || line.lowercased().contains("error"))
            }
            #expect(result.status == 0, "\(file): `systemd-analyze verify` exited \(result.status):\n\(output)")
            #expect(bad.isEmpty, "\(file): `systemd-analyze verify` complained:\n\(bad.joined(separator: "\n"))")
        }
    }

    @Test("every unit in deploy/systemd: Type=notify, WatchdogSec, ExecReload sends HUP, and the hardening")
    func systemdOptions() throws {
        let units = DeployTree.list(Self.systemdDirectory).filter { $0.hasSuffix(".service") }
        #expect(units.contains("bulwark.service"), "\(Self.systemdDirectory)/bulwark.service: missing")
        for name in units {
            let file = "\(Self.systemdDirectory)/\(name)"
            let unit = SystemdUnit(try DeployTree.read(file))
            #expect(unit.value("Type") == "notify", "\(file): Type=\(unit.value("Type") ?? "(unset)"), expected Type=notify")
            let watchdog = unit.value("WatchdogSec") ?? ""
            #expect(!watchdog.isEmpty && !["0", "infinity"].contains(watchdog), "\(file): WatchdogSec=\(watchdog.isEmpty ? "(unset)" : watchdog), expected a period such as 30s")
            let reload = unit.value("ExecReload") ?? ""
            let sendsHUP = reload.contains("kill") && reload.contains("$MAINPID")
                && (reload.contains("-HUP") || reload.contains("-SIGHUP") || reload.contains("-s HUP") || reload.contains("--signal HUP") || reload.contains("-1 "))
            #expect(sendsHUP, "\(file): ExecReload=\(reload.isEmpty ? "(unset)" : reload), expected kill -HUP $MAINPID")
            let capabilities = Set(unit.values("CapabilityBoundingSet").flatMap { $0.split(whereSeparator: \.isWhitespace).map(String.init) })
            #expect(capabilities == ["CAP_NET_BIND_SERVICE"], "\(file): CapabilityBoundingSet is \(capabilities.sorted()), expected CAP_NET_BIND_SERVICE only")
            #expect(SystemdUnit.isTrue(unit.value("NoNewPrivileges")), "\(file): NoNewPrivileges=\(unit.value("NoNewPrivileges") ?? "(unset)"), expected yes")
            #expect(unit.value("ProtectSystem") == "strict", "\(file): ProtectSystem=\(unit.value("ProtectSystem") ?? "(unset)"), expected strict")
            let user = unit.value("User") ?? ""
            #expect(SystemdUnit.isTrue(unit.value("DynamicUser")) || (!user.isEmpty && user != "root" && user != "0"),
                    "\(file): runs as root: expected DynamicUser=yes or User= a dedicated user (User=\(user.isEmpty ? "(unset)" : user))")
        }
    }

    // MARK: 3. Kubernetes

    @Test("deploy/kubernetes manifests validate against the Kubernetes 1.30 schemas (kubernetes-validate --strict)",
          .enabled(if: DeployTools.kubernetesValidateRuns, "kubernetes-validate is not installed in /opt/bulwark-moto (bash .ci/run installs it); under CI=true this fails"))
    func kubernetesSchemas() async throws {
        let validate = DeployTools.kubernetesValidate
        guard FileManager.default.isExecutableFile(atPath: validate) else {
            throw TestFailure("\(validate) is missing but CI=true: /opt/bulwark-moto/bin/pip install kubernetes-validate")
        }
        let files = Kubernetes.manifestFiles
        for expected in ["configmap", "secret", "deployment", "service", "pdb", "hpa"] {
            #expect(files.contains("\(expected).yaml"), "\(Kubernetes.directory)/\(expected).yaml: missing")
        }
        try #require(!files.isEmpty, "\(Kubernetes.directory): no manifests to validate")
        let paths = files.map { DeployTree.path("\(Kubernetes.directory)/\($0)") }
        let result = try await DeployTools.run(validate, ["--strict", "-k", DeployTools.kubernetesVersion] + paths)
        let output = result.combined.replacingOccurrences(of: DeployTree.root + "/", with: "")
        let complaints = output.components(separatedBy: "\n").filter { !$0.isEmpty && !$0.hasPrefix("INFO") }
        #expect(result.status == 0, "kubernetes-validate --strict -k \(DeployTools.kubernetesVersion) exited \(result.status):\n\(output)")
        #expect(complaints.isEmpty, "kubernetes-validate --strict -k \(DeployTools.kubernetesVersion):\n\(complaints.joined(separator: "\n"))")
        let documents = try Kubernetes.objects().count
        let passed = output.components(separatedBy: "\n").filter { $0.hasPrefix("INFO") && $0.contains(" passed ") }.count
        #expect(passed == documents, "kubernetes-validate passed \(passed) resources of the \(documents) in \(Kubernetes.directory):\n\(output)")
    }

    @Test("deploy/kubernetes: probes, Service, grace period, scrape annotations and kustomization agree with the ConfigMap's config")
    func kubernetesConsistency() throws {
        let objects = try Kubernetes.objects()
        let (configMap, configText) = try Kubernetes.embeddedConfig(in: objects)
        let deployment = try #require(objects.first { $0.kind == "Deployment" }, "\(Kubernetes.directory): no Deployment")
        let pod = try #require(deployment.document.at("spec.template"), "\(deployment.label): no spec.template")
        let containers = pod.at("spec.containers")?.list ?? []
        let container = try #require(containers.first { $0["image"]?.string?.contains("bulwark") == true } ?? containers.first,
                                     "\(deployment.label): no container")
        let containerName = container["name"]?.string ?? "?"
        let at = "\(deployment.label), container \(containerName)"

        // The config as this container reads it: its env (overrides such as BULWARK_ADMIN_LISTEN included).
        let environment = Kubernetes.environment(of: container, objects: objects)
        let configLabel = "\(configMap.file) (ConfigMap \(configMap.name), key bulwark.yaml)"
        let config = try BulwarkConfigs.parse(configText, file: configLabel, environment: environment)
        let adminPort = config.admin.listen.port, serverPort = config.server.listen.port
        #expect(config.admin.enabled, "\(configLabel): admin.enabled is false, but the probes need the admin listener")
        #expect(!BulwarkConfigs.isLoopback(config.admin.listen.host),
                "\(configLabel): admin.listen is \(config.admin.listen) (loopback): the kubelet's probes and Prometheus reach the pod IP, bind 0.0.0.0")
        #expect(!BulwarkConfigs.isLoopback(config.server.listen.host), "\(configLabel): server.listen is \(config.server.listen) (loopback): the Service cannot reach it")
        let token = config.admin.tokenEnvironmentVariable
        if !BulwarkConfigs.isLoopback(config.admin.listen.host) {
            #expect(environment[token] != nil, "\(at): \(token) is not set (env or envFrom), but `serve` refuses a non-loopback admin listener without a token")
        }

        // The ConfigMap reaches the path the container reads.
        let arguments = Compose.words(container["command"]) + Compose.words(container["args"])
        let configPath = arguments.firstIndex(of: "--config").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
            ?? arguments.first { $0.hasPrefix("--config=") }.map { String($0.dropFirst("--config=".count)) }
            ?? "/etc/bulwark/bulwark.yaml"
        let volume = pod.at("spec.volumes")?.list.first { $0.at("configMap.name")?.string == configMap.name }
        if let volume, let volumeName = volume["name"]?.string {
            let mounts = container["volumeMounts"]?.list.filter { $0["name"]?.string == volumeName } ?? []
            let item = volume.at("configMap.items")?.list.first { $0["key"]?.string == "bulwark.yaml" }?["path"]?.string ?? "bulwark.yaml"
            let provided = mounts.compactMap { mount -> String? in
                guard let path = mount["mountPath"]?.string else { return nil }
                if let subPath = mount["subPath"]?.string { return subPath == item ? path : nil }
                return (path.hasSuffix("/") ? path : path + "/") + item
            }
            #expect(provided.contains(configPath), "\(at): reads \(configPath) but the ConfigMap \(configMap.name) is mounted at \(provided)")
        } else {
            Issue.record("\(deployment.label): no volume of the ConfigMap \(configMap.name), so the container does not get its bulwark.yaml")
        }

        // Probes: the admin port (by number or by the container port's name), the health paths.
        for (probe, path) in [("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready")] {
            guard let httpGet = container[probe]?["httpGet"] else {
                Issue.record("\(at): no \(probe).httpGet (expected GET \(path) on the admin port \(adminPort))")
                continue
            }
            let port = Kubernetes.resolve(port: httpGet["port"], in: container)
            #expect(port == adminPort, "\(at): \(probe) port \(httpGet["port"]?.string ?? "(unset)") is \(port.map(String.init) ?? "not a port of the container"), but admin.listen in \(configLabel) is \(config.admin.listen)")
            #expect(httpGet["path"]?.string == path, "\(at): \(probe) path is \(httpGet["path"]?.string ?? "(unset)"), expected \(path)")
        }

        // Every containerPort is one the gateway listens on.
        for port in container["ports"]?.list ?? [] {
            if let number = port["containerPort"]?.int {
                #expect([adminPort, serverPort].contains(number), "\(at): containerPort \(number) (\(port["name"]?.string ?? "unnamed")) is neither server.listen (\(serverPort)) nor admin.listen (\(adminPort))")
            }
        }

        // Grace period ≥ preStop sleep + drain_timeout.
        let grace = pod.at("spec.terminationGracePeriodSeconds")?.int ?? 30
        let preStop = Kubernetes.preStopSeconds(container.at("lifecycle.preStop"))
        #expect(preStop != nil, "\(at): no lifecycle.preStop sleep (the endpoints must drop the pod before it drains)")
        let drain = BulwarkConfigs.seconds(config.server.drainTimeout)
        #expect(Double(grace) >= (preStop ?? 0) + drain,
                "\(deployment.label): terminationGracePeriodSeconds \(grace) < preStop sleep \(preStop ?? 0)s + server.drain_timeout \(drain)s")

        // Scrape annotations name the admin port.
        let annotations = pod.at("metadata.annotations")?.mapping ?? [:]
        #expect(annotations["prometheus.io/scrape"]?.string == "true", "\(deployment.label): pod annotation prometheus.io/scrape is \(annotations["prometheus.io/scrape"]?.string ?? "(unset)"), expected \"true\"")
        #expect(annotations["prometheus.io/port"]?.string == String(adminPort), "\(deployment.label): pod annotation prometheus.io/port is \(annotations["prometheus.io/port"]?.string ?? "(unset)"), expected \(adminPort) (admin.listen)")
        if let path = annotations["prometheus.io/path"]?.string {
            #expect(path == "/metrics", "\(deployment.label): pod annotation prometheus.io/path is \(path), expected /metrics")
        }

        // Service → server.listen; PDB, HPA and Service select this Deployment.
        let labels = pod.at("metadata.labels")?.mapping
        let services = objects.filter { $0.kind == "Service" }
        #expect(!services.isEmpty, "\(Kubernetes.directory): no Service")
        for service in services {
            #expect(Kubernetes.selects(service.document.at("spec.selector")?.mapping, labels), "\(service.label): spec.selector does not match the labels of \(deployment.label)'s pods")
            let ports = service.document.at("spec.ports")?.list ?? []
            let targets = ports.map { port in Kubernetes.resolve(port: port["targetPort"] ?? port["port"], in: container) }
            #expect(targets.contains(serverPort), "\(service.label): no port's targetPort is server.listen's port \(serverPort) (targetPorts resolve to \(targets.map { $0.map(String.init) ?? "an unknown name" }))")
            for (port, target) in zip(ports, targets) where target == nil || ![serverPort, adminPort].contains(target!) {
                Issue.record("\(service.label): port \(port["name"]?.string ?? port["port"]?.string ?? "?") targets \(port["targetPort"]?.string ?? "?"), which is neither server.listen (\(serverPort)) nor admin.listen (\(adminPort))")
            }
        }
        for pdb in objects.filter({ $0.kind == "PodDisruptionBudget" }) {
            #expect(Kubernetes.selects(pdb.document.at("spec.selector.matchLabels")?.mapping, labels), "\(pdb.label): spec.selector.matchLabels does not match \(deployment.label)'s pods")
        }
        #expect(objects.contains { $0.kind == "PodDisruptionBudget" }, "\(Kubernetes.directory): no PodDisruptionBudget")
        let hpas = objects.filter { $0.kind == "HorizontalPodAutoscaler" }
        #expect(!hpas.isEmpty, "\(Kubernetes.directory): no HorizontalPodAutoscaler")
        for hpa in hpas {
            let target = hpa.document.at("spec.scaleTargetRef")
            #expect(target?["kind"]?.string == "Deployment" && target?["name"]?.string == deployment.name,
                    "\(hpa.label): scaleTargetRef is \(target?["kind"]?.string ?? "?") \(target?["name"]?.string ?? "?"), expected Deployment \(deployment.name)")
        }
        #expect(Kubernetes.selects(deployment.document.at("spec.selector.matchLabels")?.mapping, labels), "\(deployment.label): spec.selector.matchLabels does not match its own pod labels")

        // The kustomization lists every manifest, and only files that exist.
        let kustomizationFile = "\(Kubernetes.directory)/kustomization.yaml"
        let kustomization = try YAMLValue.load(try DeployTree.read(kustomizationFile), file: kustomizationFile)
        let resources = kustomization["resources"]?.list.compactMap(\.string).map { DeployTree.normalize($0) } ?? []
        for file in Kubernetes.manifestFiles where !resources.contains(file) {
            Issue.record("\(kustomizationFile): resources does not list \(file)")
        }
        for resource in resources where !DeployTree.exists("\(Kubernetes.directory)/\(resource)") {
            Issue.record("\(kustomizationFile): resources lists \(resource), which does not exist")
        }
    }

    // MARK: 4. Compose and Dockerfile

    @Test("deploy/docker-compose.yml: images or build contexts, mounts, env files, healthchecks and Prometheus targets exist and agree")
    func composeStructure() throws {
        let composeFile = "deploy/docker-compose.yml"
        let base = "deploy"
        let dotenv = DeployTree.exists("deploy/.env.example") ? Compose.parseEnvFile(try DeployTree.read("deploy/.env.example")) : [:]
        #expect(DeployTree.exists("deploy/.env.example"), "deploy/.env.example: missing")
        var missing: [String] = []
        let text = Compose.interpolate(try DeployTree.read(composeFile), dotenv, missing: &missing)
        for name in Set(missing).sorted() {
            Issue.record("\(composeFile): ${\(name)} has no default and is not in deploy/.env.example")
        }
        let compose = try YAMLValue.load(text, file: composeFile)
        let services = try #require(compose["services"]?.mapping, "\(composeFile): no services")
        func relative(_ path: String) -> String { path.hasPrefix("/") ? path : DeployTree.normalize("\(base)/\(path)") }

        let dockerfile = DeployTree.exists("deploy/Dockerfile") ? Dockerfile(try DeployTree.read("deploy/Dockerfile")) : nil
        var gateways: [(name: String, service: YAMLValue, adminPort: Int)] = []

        for (name, service) in services.sorted(by: { $0.key < $1.key }) {
            let at = "\(composeFile): service \(name)"
            // image or build context
            var buildsBulwark = false
            if let build = service["build"] {
                let context = build.string ?? build["context"]?.string ?? "."
                let contextPath = relative(context)
                #expect(DeployTree.isDirectory(contextPath), "\(at): build context \(context) (\(contextPath)) does not exist")
                let dockerfilePath = DeployTree.normalize("\(contextPath)/\(build["dockerfile"]?.string ?? "Dockerfile")")
                #expect(DeployTree.exists(dockerfilePath), "\(at): dockerfile \(dockerfilePath) does not exist")
                buildsBulwark = dockerfilePath == "deploy/Dockerfile"
            } else {
                let image = service["image"]?.string ?? ""
                #expect(!image.isEmpty, "\(at): neither image nor build")
            }
            // bind mounts
            for mount in Compose.mounts(of: service) where mount.isBind && (mount.source.hasPrefix("./") || mount.source.hasPrefix("../") || mount.source == ".") {
                #expect(DeployTree.exists(relative(mount.source)), "\(at): mounts \(mount.source) (\(relative(mount.source))), which does not exist")
            }
            // env files
            var fileEnvironment: [String: String] = [:]
            let envFiles: [YAMLValue] = service["env_file"]?.string != nil ? [service["env_file"]!] : service["env_file"]?.list ?? []
            for entry in envFiles {
                guard let path = entry.string ?? entry["path"]?.string else { continue }
                if DeployTree.exists(relative(path)) {
                    fileEnvironment.merge(Compose.parseEnvFile(try DeployTree.read(relative(path)))) { _, new in new }
                } else if entry["required"]?.string != "false" {
                    Issue.record("\(at): env_file \(path) (\(relative(path))) does not exist")
                }
            }
            // gateways: the bulwark image running serve
            let image = service["image"]?.string ?? ""
            let command = Compose.words(service["command"])
            guard buildsBulwark || image.contains("bulwark"), command.isEmpty || command.contains("serve") else { continue }
            let mounts = Compose.mounts(of: service)
            let configSource = mounts.first { $0.isBind && $0.target == "/etc/bulwark/bulwark.yaml" }.map { relative($0.source) } ?? "deploy/bulwark.yaml"
            guard DeployTree.exists(configSource) else { continue }   // reported above as a missing mount
            var environment = fileEnvironment
            environment.merge(Compose.environment(of: service, fallback: dotenv)) { _, new in new }
            let config: BulwarkConfiguration
            do { config = try BulwarkConfigs.parse(try DeployTree.read(configSource), file: "\(configSource) (as \(name) reads it)", environment: environment) } catch {
                Issue.record("\(at): \(error)")
                continue
            }
            let adminPort = config.admin.listen.port
            #expect(!BulwarkConfigs.isLoopback(config.admin.listen.host),
                    "\(at): admin.listen in \(configSource) is \(config.admin.listen) (loopback inside the container): Prometheus cannot scrape it")
            if !BulwarkConfigs.isLoopback(config.admin.listen.host) {
                let token = config.admin.tokenEnvironmentVariable
                #expect(!(environment[token] ?? "").isEmpty, "\(at): \(token) is not set (environment or env_file, with deploy/.env.example), but `serve` refuses a non-loopback admin listener without a token")
            }
            // healthcheck: the service's, or the image's HEALTHCHECK
            var test = Compose.words(service.at("healthcheck.test")).joined(separator: " ")
            var source = "healthcheck"
            if test.isEmpty, let dockerfile {
                test = dockerfile.finalStage.last { $0.keyword == "HEALTHCHECK" }?.arguments ?? ""
                source = "the image's HEALTHCHECK (deploy/Dockerfile)"
            }
            #expect(service.at("healthcheck.disable")?.string != "true", "\(at): healthcheck disabled")
            #expect(test.contains("/health/live"), "\(at): \(source) does not hit /health/live: \(test.isEmpty ? "(none)" : test)")
            let ports = healthLivePorts(in: test)
            #expect(!ports.isEmpty && ports.allSatisfy { $0 == adminPort },
                    "\(at): \(source) hits port \(ports.map(String.init).joined(separator: ", ")) but admin.listen in \(configSource) is \(config.admin.listen): \(test)")
            gateways.append((name, service, adminPort))
        }
        #expect(gateways.count >= 2, "\(composeFile): \(gateways.count) gateway services (the bulwark image running serve), expected two")

        // Prometheus: its mounted config scrapes every gateway's admin port.
        guard let (prometheusName, prometheus) = services.sorted(by: { $0.key < $1.key }).first(where: { $0.value["image"]?.string?.contains("prometheus") == true }) else {
            Issue.record("\(composeFile): no Prometheus service (an image containing 'prometheus')")
            return
        }
        let configArgument = Compose.words(prometheus["command"]).first { $0.hasPrefix("--config.file=") }
        let containerPath = configArgument.map { String($0.dropFirst("--config.file=".count)) } ?? "/etc/prometheus/prometheus.yml"
        let mounts = Compose.mounts(of: prometheus).filter(\.isBind)
        let hostPath: String? = mounts.first { $0.target == containerPath }.map { relative($0.source) }
            ?? mounts.first { containerPath.hasPrefix($0.target.hasSuffix("/") ? $0.target : $0.target + "/") }
                .map { relative($0.source) + "/" + containerPath.dropFirst($0.target.count).drop { $0 == "/" } }
        guard let hostPath, DeployTree.exists(hostPath) else {
            Issue.record("\(composeFile): service \(prometheusName): nothing mounted from the repository at \(containerPath) (its config)")
            return
        }
        let scrape = try YAMLValue.load(try DeployTree.read(hostPath), file: hostPath)
        var targets: Set<String> = []
        for job in scrape["scrape_configs"]?.list ?? [] {
            for group in job["static_configs"]?.list ?? [] { targets.formUnion(group["targets"]?.list.compactMap(\.string) ?? []) }
            for group in job["dns_sd_configs"]?.list ?? [] {
                let port = group["port"]?.string ?? "?"
                targets.formUnion((group["names"]?.list.compactMap(\.string) ?? []).map { "\($0):\(port)" })
            }
        }
        for gateway in gateways {
            var names: Set<String> = [gateway.name]
            if let container = gateway.service["container_name"]?.string { names.insert(container) }
            if let host = gateway.service["hostname"]?.string { names.insert(host) }
            for network in gateway.service["networks"]?.mapping?.values.map({ $0 }) ?? [] {
                names.formUnion(network["aliases"]?.list.compactMap(\.string) ?? [])
            }
            let expected = names.sorted().map { "\($0):\(gateway.adminPort)" }
            #expect(!targets.isDisjoint(with: expected), "\(hostPath): no scrape target for gateway \(gateway.name)'s admin port (expected one of \(expected), found \(targets.sorted()))")
        }
        // Its rule files are mounted too.
        for rule in scrape["rule_files"]?.list.compactMap(\.string) ?? [] {
            let absolute = rule.hasPrefix("/") ? rule : (containerPath as NSString).deletingLastPathComponent + "/" + rule
            let mounted = mounts.contains { absolute == $0.target || absolute.hasPrefix($0.target.hasSuffix("/") ? $0.target : $0.target + "/") }
            #expect(mounted || rule.contains("*"), "\(hostPath): rule_files \(rule) (\(absolute) in the container) is not mounted into service \(prometheusName)")
        }
    }

    @Test("deploy/Dockerfile: COPY sources exist, a non-root USER, HEALTHCHECK on /health/live, `bulwark serve` with /etc/bulwark/bulwark.yaml")
    func dockerfileStructure() throws {
        let file = "deploy/Dockerfile"
        let dockerfile = Dockerfile(try DeployTree.read(file))
        let stages = dockerfile.instructions.filter { $0.keyword == "FROM" }
        #expect(stages.count >= 2, "\(file): \(stages.count) stage(s), expected a multi-stage build")
        let ignoreFile = DeployTree.exists("deploy/Dockerfile.dockerignore") ? "deploy/Dockerfile.dockerignore" : ".dockerignore"
        let ignorePatterns = DeployTree.exists(ignoreFile)
            ? (try DeployTree.read(ignoreFile)).components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
            : []

        // COPY/ADD sources (not --from) exist relative to the build context (the repository root) and are
        // not excluded by the .dockerignore.
        for instruction in dockerfile.instructions where instruction.keyword == "COPY" || instruction.keyword == "ADD" {
            let words = Dockerfile.words(instruction.arguments)
            let flags = words.prefix { $0.hasPrefix("--") }
            if flags.contains(where: { $0.hasPrefix("--from") }) { continue }
            let operands = Array(words.dropFirst(flags.count))
            guard operands.count >= 2 else {
                Issue.record("\(file):\(instruction.line): \(instruction.keyword) \(instruction.arguments): needs a source and a destination")
                continue
            }
            for source in operands.dropLast() where !source.contains("://") {
                let relative = DeployTree.normalize(source)
                let matches: [String]
                if relative.contains(where: { "*?[".contains($0) }) {
                    let directory = (relative as NSString).deletingLastPathComponent
                    let pattern = (relative as NSString).lastPathComponent
                    matches = DeployTree.list(directory.isEmpty ? "." : directory).filter { shellPatternMatches(pattern, $0) }
                        .map { directory.isEmpty ? $0 : directory + "/" + $0 }
                } else {
                    matches = DeployTree.exists(relative) ? [relative] : []
                }
                #expect(!matches.isEmpty, "\(file):\(instruction.line): \(instruction.keyword) source \(source) does not exist in the repository root (the build context)")
                for match in matches {
                    // Last matching pattern wins; `!` re-includes. A pattern also excludes what is below it.
                    var excluded = false
                    for raw in ignorePatterns {
                        let negated = raw.hasPrefix("!")
                        let pattern = DeployTree.normalize(String(negated ? raw.dropFirst() : Substring(raw)))
                        let components = match.split(separator: "/").map(String.init)
                        let prefixes = (1...components.count).map { components.prefix($0).joined(separator: "/") }
                        let hit = prefixes.contains { prefix in
                            shellPatternMatches(pattern, prefix) || (pattern.hasPrefix("**/") && prefix.split(separator: "/").indices.contains { index in
                                shellPatternMatches(String(pattern.dropFirst(3)), prefix.split(separator: "/").dropFirst(index).joined(separator: "/"))
                            })
                        }
                        if hit { excluded = !negated }
                    }
                    #expect(!excluded, "\(file):\(instruction.line): \(instruction.keyword) source \(match) is excluded by \(ignoreFile)")
                }
            }
        }

        let final = dockerfile.finalStage
        // The image's default config lands at /etc/bulwark/bulwark.yaml.
        let configCopy = final.contains { instruction in
            guard instruction.keyword == "COPY" else { return false }
            let words = Dockerfile.words(instruction.arguments).filter { !$0.hasPrefix("--") }
            return words.count >= 2 && words.dropLast().contains("deploy/bulwark.yaml")
                && (words.last == "/etc/bulwark/bulwark.yaml" || words.last == "/etc/bulwark/" || words.last == "/etc/bulwark")
        }
        #expect(configCopy, "\(file): the final stage does not COPY deploy/bulwark.yaml to /etc/bulwark/bulwark.yaml")

        // A non-root USER.
        let user = final.last { $0.keyword == "USER" }?.arguments.split(separator: ":").first.map(String.init)
        #expect(user != nil && user != "root" && user != "0", "\(file): the final stage runs as \(user ?? "root (no USER)"), expected a non-root USER")

        // HEALTHCHECK on /health/live, on the admin port of the image's default config.
        let healthcheck = final.last { $0.keyword == "HEALTHCHECK" }?.arguments ?? ""
        #expect(healthcheck.contains("/health/live"), "\(file): the final stage's HEALTHCHECK does not hit /health/live: \(healthcheck.isEmpty ? "(none)" : healthcheck)")
        if DeployTree.exists("deploy/bulwark.yaml") {
            let config: BulwarkConfiguration
            do {
                config = try BulwarkConfigs.parse(try DeployTree.read("deploy/bulwark.yaml"), file: "deploy/bulwark.yaml", environment: dockerfile.finalEnvironment)
            } catch {
                Issue.record("\(file): cannot compare the HEALTHCHECK with the admin port: \(error)")
                config = BulwarkConfiguration()
            }
            let ports = healthLivePorts(in: healthcheck)
            #expect(!ports.isEmpty && ports.allSatisfy { $0 == config.admin.listen.port },
                    "\(file): HEALTHCHECK hits port \(ports.map(String.init).joined(separator: ", ")) but admin.listen in deploy/bulwark.yaml is \(config.admin.listen)")
        }

        // ENTRYPOINT + CMD: bulwark serve --config /etc/bulwark/bulwark.yaml.
        let entrypoint = final.last { $0.keyword == "ENTRYPOINT" }.map { Dockerfile.words($0.arguments) } ?? []
        let command = final.last { $0.keyword == "CMD" }.map { Dockerfile.words($0.arguments) } ?? []
        let words = entrypoint + command
        let runsServe = words.indices.contains { index in
            words[index].split(separator: "/").last == "bulwark" && index + 1 < words.count && words[index + 1] == "serve"
        }
        let withConfig = words.contains("/etc/bulwark/bulwark.yaml") || words.contains("--config=/etc/bulwark/bulwark.yaml")
        #expect(runsServe && withConfig, "\(file): ENTRYPOINT + CMD is \(words), expected bulwark serve --config /etc/bulwark/bulwark.yaml")
    }
}
