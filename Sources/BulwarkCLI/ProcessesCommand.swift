import ArgumentParser
import AsyncHTTPClient
import BulwarkConfig
import Foundation
import NIOCore
import NIOHTTP1

/// `bulwark processes list|restart`: asks a running `bulwark run` through its admin API.
struct ProcessesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "processes",
        abstract: "List or restart the instances a running `bulwark run` supervises.",
        subcommands: [List.self, Restart.self]
    )

    /// Where to reach the admin API and with which token.
    struct AdminOptions: ParsableArguments {
        @Option(name: .long, help: "The admin API, e.g. http://127.0.0.1:9090 (default: admin.listen of --config or ./bulwark.yaml, else 127.0.0.1:9090).")
        var admin: String?

        @Option(name: .long, help: "The configuration file to read admin.listen and admin.token_env from.")
        var config: String?

        /// The base URL and the bearer token (from `admin.token_env`, default BULWARK_ADMIN_TOKEN).
        func endpoint() throws -> (url: String, token: String?) {
            let loaded = (try? ConfigurationLoading.load(path: config)) ?? nil
            let settings = loaded?.0.admin ?? AdminSettings()
            let token = ProcessInfo.processInfo.environment[settings.tokenEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 }
            if let admin { return (admin.hasSuffix("/") ? String(admin.dropLast()) : admin, token) }
            let host = ["0.0.0.0", "::", ""].contains(settings.listen.host) ? "127.0.0.1" : settings.listen.host
            return ("http://\(ListenAddress(host: host, port: settings.listen.port))", token)
        }

        /// Sends `method path` and returns the status and body; prints the error and exits 1 when unreachable.
        func send(_ method: HTTPMethod, _ path: String) async throws -> (status: Int, body: String) {
            let (base, token) = try endpoint()
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            request.headers.add(name: "X-Bulwark-Admin", value: "1")
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let body = try await response.body.collect(upTo: 4 << 20)
                return (Int(response.status.code), String(buffer: body))
            } catch {
                printError("error: cannot reach the admin API at \(base): \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every group and instance as JSON (GET /api/processes).")
        @OptionGroup var options: AdminOptions

        func run() async throws {
            let (status, body) = try await options.send(.GET, "/api/processes")
            guard status == 200 else {
                printError("error: \(status): \(body)")
                throw ExitCode(1)
            }
            print(body)
        }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace a group's instances one at a time, without dropping a request.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "The process group (processes.NAME).") var group: String

        func run() async throws {
            let name = group.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? group
            let (status, body) = try await options.send(.POST, "/api/processes/\(name)/restart")
            guard status == 202 else {
                printError("error: \(status): \(body)")
                throw ExitCode(1)
            }
            print("rolling restart of '\(group)' started; follow it with: bulwark processes list")
        }
    }
}
