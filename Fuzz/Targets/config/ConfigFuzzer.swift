import BulwarkConfig
import Resilience

/// Any bytes given to the configuration loader must end in a configuration or a ``ConfigurationError``:
/// never a crash, a trap or a hang. A few environment variables are set so that `${…}` substitution and
/// the `BULWARK_*` overrides are reached too.
@_cdecl("LLVMFuzzerTestOneInput")
public func configFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), as: UTF8.self)
    do {
        let configuration = try BulwarkConfiguration.parse(yaml: text, environment: environment)
        _ = String(describing: configuration)
    } catch {
        precondition(!error.issues.isEmpty, "a ConfigurationError without issues")
        _ = error.description
    }
    return 0
}

private let environment = [
    "PORT": "9000",
    "SECRET": "s3cr3t",
    "BULWARK_DRAIN_TIMEOUT": "5s",
]
