extension Gateway {
    /// HTTP/2 connections accepted so far (by ALPN or h2c).
    public var http2Connections: Int { runtime.http2Telemetry.connectionsStarted }

    /// HTTP/2 connections the gateway ended with a GOAWAY reporting an error, by the error's name
    /// (`enhance_your_calm`, `protocol_error`, `compression_error`, `flow_control_error`…).
    public var http2ConnectionErrors: [String: Int] { runtime.http2Telemetry.connectionErrors }
}
