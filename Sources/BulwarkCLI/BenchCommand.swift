import ArgumentParser
import BulwarkBench
import BulwarkConfig
import Foundation
import NIOCore
import Resilience

/// `bulwark bench`: load, stress and endurance runs against a loopback target, with thresholds that set
/// the exit code and JSON/HTML reports. Exit codes: 0 passed, 1 a threshold failed, 2 bad arguments, plan
/// or target (nothing was sent).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load-test an HTTP target: closed model like wrk, open model at a fixed rate like wrk2, or a plan with stages and thresholds.",
        discussion: """
            bulwark bench http://127.0.0.1:8080/api/items -c 64 -d 30s
            bulwark bench http://127.0.0.1:8080/api/items --rate 20000 -d 60s
            bulwark bench --plan plan.yaml --report report.html --json result.json

            Only loopback targets (localhost, 127.0.0.0/8, ::1) unless --allow-remote. Exit code 1 when a threshold fails.
            """
    )

    @Argument(help: "The target URL (http://127.0.0.1:8080/path). Not with --plan.")
    var url: String?

    @Option(name: [.short, .customLong("connections")], help: "Connections (closed model), or a fixed pool (open model). Default 64.")
    var connections: Int?

    @Option(name: [.short, .customLong("duration")], help: "How long to send, e.g. 30s or 2m. Default 10s. Not with --plan.")
    var duration: String?

    @Option(name: .long, help: "Open model: requests per second, CO-corrected like wrk2. Not with --plan.")
    var rate: Double?

    @Option(name: .long, help: "A YAML plan with requests, stages, thresholds and watch (docs/bench.md).")
    var plan: String?

    @Option(name: .long, help: "Write a self-contained HTML report here.")
    var report: String?

    @Option(name: .long, help: "Write the JSON report (docs/bench-report.schema.json) here.")
    var json: String?

    @Option(name: [.customShort("X"), .long], help: "The method. Default GET. Not with --plan.")
    var method: String = "GET"

    @Option(name: [.customShort("H"), .customLong("header")], help: "A request header 'Name: value' (repeatable). Not with --plan.")
    var headers: [String] = []

    @Option(name: .customLong("body-file"), help: "Send this file as the request body. Not with --plan.")
    var bodyFile: String?

    @Option(name: .customLong("threshold"), help: "A threshold such as 'p99 < 50ms' (repeatable; added to the plan's).")
    var thresholds: [String] = []

    @Option(name: .long, help: "A request without an answer after this long is a timeout error. Default 10s.")
    var timeout: String?

    @Option(name: .customLong("max-connections"), help: "Open model without -c: the pool grows from 64 up to this many while sends wait. Default 1024.")
    var maximumConnections: Int = 1024

    @Option(name: .long, help: "Event loops generating load. Default: one per core.")
    var threads: Int?

    @Flag(name: .customLong("allow-remote"), help: "Allow a target that is not loopback. Only load what you own.")
    var allowRemote = false

    @Flag(name: .shortAndLong, help: "No progress line, even on a terminal.")
    var quiet = false

    func run() async throws {
        let prepared: PreparedBench
        do {
            prepared = try prepare()
        } catch let problem as BenchSetupProblem {
            printError("error: \(problem.message)")
            throw ExitCode(2)
        }
        let showProgress = !quiet && isatty(STDERR_FILENO) == 1
        let watcher = prepared.watch.map { watch in
            Task { await watch.watch() }
        }
        let outcome: BenchReport
        do {
            outcome = try await LoadRun.run(prepared.settings) { progress in
                guard showProgress else { return }
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + progress.line).utf8))
            }
        } catch {
            watcher?.cancel()
            printError("error: the run failed: \(error)")
            throw ExitCode(2)
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        var finished = outcome
        if let watcher {
            watcher.cancel()
            finished.watch = AdminWatcher.placed(await watcher.value, startedAt: outcome.startedAt)
            if let watch = prepared.watch, !finished.watch.contains(where: { $0.rssBytes != nil }) {
                printError("warning: watch: no sample from \(watch.baseURL)/api/system succeeded (is the admin API there, and is its token in the token_env variable?)")
            }
        }
        finished.findings = TrendDetector.findings(stages: finished.stages, timeline: finished.timeline, watch: finished.watch)
        finished.thresholds = prepared.thresholds.map { $0.evaluate(in: finished) }
        print(BenchSummaryText.render(finished))
        do {
            if let json { try Self.write(try finished.json(), to: json) }
            if let report { try Self.write(Data(HTMLReport.render(finished).utf8), to: report) }
        } catch {
            printError("error: cannot write the report: \(error)")
            throw ExitCode(2)
        }
        if !finished.passed { throw ExitCode(1) }
    }

    /// Writes a report readable by its owner only (0600), replacing what was there.
    static func write(_ data: Data, to path: String) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        try data.write(to: URL(fileURLWithPath: path))
        _ = chmod(path, 0o600)
    }
}

/// A mistake found before any load was sent.
struct BenchSetupProblem: Error {
    var message: String
}

/// What a `bulwark bench` invocation will run.
struct PreparedBench {
    var settings: LoadSettings
    var thresholds: [BenchThreshold]
    var watch: AdminWatcher?
}

extension BenchCommand {
    /// Reads the plan or the arguments, checks the target and the thresholds; sends nothing.
    func prepare() throws -> PreparedBench {
        let environment = ProcessInfo.processInfo.environment
        let benchPlan: BenchPlan
        if let plan {
            for (given, flag) in [(url != nil, "a URL"), (duration != nil, "--duration"), (rate != nil, "--rate"), (bodyFile != nil, "--body-file"), (!headers.isEmpty, "--header")] where given {
                throw BenchSetupProblem(message: "\(flag) cannot be combined with --plan: put it in the plan")
            }
            do {
                benchPlan = try BenchPlan.load(path: plan, environment: environment)
            } catch {
                throw BenchSetupProblem(message: "\(plan): \(error)")
            }
        } else {
            benchPlan = try planFromArguments()
        }
        let target: BenchTarget
        switch TargetAddressCheck.check(benchPlan.target, allowRemote: allowRemote) {
        case .success(let checked): target = checked
        case .failure(let refusal): throw BenchSetupProblem(message: "\(refusal)")
        }
        var allThresholds = benchPlan.thresholds
        for (index, text) in thresholds.enumerated() {
            switch BenchThreshold.parse(text) {
            case .success(let threshold):
                let stageNames = benchPlan.stages.isEmpty ? ["stage 1"] : benchPlan.stages.indices.map { benchPlan.stageName(at: $0) }
                if let stage = threshold.stage, !stageNames.contains(stage), !stageNames.contains("stage \(stage)") {
                    throw BenchSetupProblem(message: "--threshold \(index + 1) '\(text)': no stage named '\(stage)'")
                }
                allThresholds.append(threshold)
            case .failure(let problem): throw BenchSetupProblem(message: "--threshold \(index + 1) '\(text)': \(problem)")
            }
        }
        let timeoutDuration = try timeout.map { try Self.duration($0, option: "--timeout") } ?? benchPlan.timeout ?? .seconds(10)
        let model: LoadSettings.Model
        if benchPlan.stages.isEmpty {
            let length = try duration.map { try Self.duration($0, option: "--duration") } ?? .seconds(10)
            model = .closed(duration: length.secondsDouble)
        } else {
            model = .open(RateSchedule(stages: benchPlan.stages.map { .init(duration: $0.duration.secondsDouble, rateFrom: $0.rateFrom, rateTo: $0.rateTo) }))
        }
        let fixedPool = connections ?? benchPlan.connections
        guard (1...BenchPlan.maximumConnections).contains(maximumConnections) else {
            throw BenchSetupProblem(message: "--max-connections must be between 1 and \(BenchPlan.maximumConnections)")
        }
        if let threads, threads < 1 { throw BenchSetupProblem(message: "--threads must be at least 1") }
        if let fixedPool, !(1...BenchPlan.maximumConnections).contains(fixedPool) {
            throw BenchSetupProblem(message: "--connections must be between 1 and \(BenchPlan.maximumConnections)")
        }
        let requests = benchPlan.requests.map {
            LoadRequest(weight: $0.weight, method: $0.method, pathAndQuery: $0.path, headers: $0.headers.map { ($0.name, $0.value) }, body: $0.body)
        }
        let settings = LoadSettings(
            target: target, requests: requests.isEmpty ? [LoadRequest(pathAndQuery: target.pathAndQuery)] : requests,
            model: model, stageNames: benchPlan.stages.indices.map { benchPlan.stageName(at: $0) },
            connections: fixedPool ?? min(64, maximumConnections),
            maximumConnections: fixedPool == nil && benchPlan.stages.count > 0 ? maximumConnections : nil,
            timeout: timeoutDuration, eventLoops: threads ?? System.coreCount
        )
        let watch = benchPlan.watch.map { watch in
            AdminWatcher(baseURL: watch.url, token: environment[watch.tokenEnvironmentVariable ?? "BULWARK_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
        }
        return PreparedBench(settings: settings, thresholds: allThresholds, watch: watch)
    }

    private func planFromArguments() throws -> BenchPlan {
        guard let url else { throw BenchSetupProblem(message: "give a target URL or --plan FILE") }
        var parsedHeaders: [BenchPlan.Header] = []
        for header in headers {
            guard let colon = header.firstIndex(of: ":"), !header.contains("\r"), !header.contains("\n") else {
                throw BenchSetupProblem(message: "--header '\(header)': expected 'Name: value'")
            }
            let name = String(header[..<colon])
            let token = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
            guard !name.isEmpty, name.allSatisfy({ token.contains($0) }) else {
                throw BenchSetupProblem(message: "--header '\(header)': '\(name)' is not a header name (letters, digits and !#$%&'*+-.^_`|~, no spaces)")
            }
            guard !["content-length", "transfer-encoding"].contains(name.lowercased()) else {
                throw BenchSetupProblem(message: "--header '\(header)': \(name) is set by bulwark bench from the body")
            }
            parsedHeaders.append(.init(name: name, value: header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        guard !method.isEmpty, method.allSatisfy({ $0.isLetter || $0 == "-" }) else {
            throw BenchSetupProblem(message: "--method '\(method)' is not an HTTP method")
        }
        var body: [UInt8]?
        if let bodyFile {
            guard let data = FileManager.default.contents(atPath: bodyFile) else { throw BenchSetupProblem(message: "--body-file: cannot read \(bodyFile)") }
            body = [UInt8](data)
        }
        var stages: [BenchPlan.Stage] = []
        if let rate {
            guard rate > 0, rate.isFinite else { throw BenchSetupProblem(message: "--rate must be a positive number of requests per second") }
            let length = try duration.map { try Self.duration($0, option: "--duration") } ?? .seconds(10)
            stages = [BenchPlan.Stage(duration: length, rateFrom: rate)]
        }
        let checkedPath: String
        switch TargetAddressCheck.check(url, allowRemote: allowRemote) {
        case .success(let target): checkedPath = target.pathAndQuery
        case .failure(let refusal): throw BenchSetupProblem(message: "\(refusal)")
        }
        return BenchPlan(
            target: url,
            requests: [BenchPlan.Request(method: method.uppercased(), path: checkedPath, headers: parsedHeaders, body: body)],
            stages: stages
        )
    }

    static func duration(_ text: String, option: String) throws -> Duration {
        switch DurationSyntax.parse(text) {
        case .success(let duration) where duration > .zero && duration <= BenchPlan.maximumDuration: return duration
        case .success: throw BenchSetupProblem(message: "\(option) must be more than 0 and at most 24h")
        case .failure(let problem): throw BenchSetupProblem(message: "\(option) '\(text)': \(problem)")
        }
    }
}
