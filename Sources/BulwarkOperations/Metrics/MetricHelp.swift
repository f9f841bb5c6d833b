/// `# HELP` texts for the metrics Bulwark exports (swift-metrics carries no help text).
enum MetricHelp {
    static let texts: [String: String] = [
        "bulwark_http_requests_total": "Responses sent by the gateway, by route, method and status.",
        "bulwark_http_request_duration_seconds": "Time from request head to the end of the response, by route.",
        "bulwark_http_requests_in_flight": "Requests received whose response has not finished.",
        "bulwark_http_rate_limit_decisions_total": "Route rate-limit decisions (allowed or rejected with 429).",
        "bulwark_upstream_retries_total": "Retries sent to an upstream.",
        "bulwark_upstream_target_healthy": "1 when the target can take traffic (health check passing, not ejected, breaker not open).",
        "bulwark_upstream_target_ejected": "1 while outlier detection has ejected the target.",
        "bulwark_upstream_healthy_targets": "Targets of the upstream able to take traffic.",
        "bulwark_upstream_circuit_breaker_state": "1 for the current state of the target's circuit breaker.",
        "bulwark_ready": "1 when /health/ready answers 200.",
        "bulwark_health_score": "Health score from 0 (down) to 100 (all well).",
        "bulwark_alerts_open": "Open alerts by severity.",
        "bulwark_build_info": "Bulwark's version (always 1).",
        "bulwark_process_resident_memory_bytes": "Resident memory of the process.",
        "bulwark_process_open_fds": "Open file descriptors of the process.",
        "bulwark_process_threads": "Threads of the process.",
        "bulwark_process_start_time_seconds": "Start time of the process since the Unix epoch.",
        "bulwark_process_cpu_seconds_total": "User and system CPU time used by the process.",
        "bulwark_webhook_deliveries_total": "Alert webhook deliveries by outcome.",
        "bulwark_circuit_breaker_state": "1 for the current state of a core circuit breaker.",
        "bulwark_circuit_breaker_calls_total": "Calls through a core circuit breaker by outcome.",
        "bulwark_circuit_breaker_transitions_total": "State transitions of a core circuit breaker.",
        "bulwark_retry_calls_total": "Calls through a core retry policy by outcome.",
        "bulwark_retry_retries_total": "Retries made by a core retry policy.",
        "bulwark_ratelimit_decisions_total": "Decisions of a core rate limiter.",
        "bulwark_backup_last_success_timestamp_seconds": "When the last successful backup finished, since the Unix epoch.",
        "bulwark_backup_duration_seconds": "Duration of the last backup run.",
        "bulwark_backup_size_bytes": "Size of the last backup archive.",
        "bulwark_tls_certificate_expiry_timestamp_seconds": "When the HTTPS listener's certificate for the host stops being valid, since the Unix epoch.",
        "bulwark_tls_handshake_failures_total": "Failed TLS handshakes on the HTTPS listener, by reason.",
        "bulwark_credentials_refreshes_total": "OAuth2 token refreshes of an upstream's credentials, by outcome (success or failure).",
        "bulwark_credentials_token_expiry_timestamp_seconds": "When the upstream's current OAuth2 token expires, since the Unix epoch.",
        "bulwark_credentials_failing": "1 while the upstream's OAuth2 token refreshes fail (since the last success), else 0.",
        "bulwark_upgraded_connections": "Upgraded connections (WebSocket and other protocols) open now.",
        "bulwark_upgraded_connections_total": "Upgraded connections that ended, by route and outcome.",
        "bulwark_connections_rejected_total": "Client connections closed at once because server.max_connections were open.",
        "bulwark_http2_connections_total": "Client connections that spoke HTTP/2 (ALPN h2 or h2c).",
        "bulwark_http2_connection_errors_total": "HTTP/2 connections the gateway ended with a GOAWAY reporting an error, by error.",
    ]

    static func text(for name: String) -> String {
        texts[name] ?? "Bulwark metric \(name)."
    }
}
