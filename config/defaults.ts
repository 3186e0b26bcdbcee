/**
 * Every default of vortex.yaml, in one place. Durations are milliseconds and sizes bytes, as the
 * loaded config holds them. docs/configuration.md lists the same values; a test keeps them in step.
 */
export const DEFAULTS = {
  proxy: {
    listen: '0.0.0.0:8000',
    /** auto: uWebSockets.js when its native build loads, node:http otherwise. */
    engine: 'auto',
    /** Threads serving proxy.listen: 1 = the main thread alone; N or auto (= available cores) = N worker threads (uws only). */
    workers: 1 as number | 'auto',
    trusted_proxies: ['127.0.0.1/32', '::1/128'],
    /** How long a request waits for a backend of an app scaling from zero. */
    hold_timeout: 30_000, // 30 s
    /** Graceful shutdown: time in-flight requests get to finish after the listener closes. */
    shutdown_timeout: 30_000, // 30 s
    timeouts: {
      connect: 5_000, // 5 s to open an upstream connection
      header: 60_000, // 60 s from request sent to the upstream's response head (then 504)
      idle: 60_000, // 60 s without a byte either way on an open request (then 504 or abort)
      keep_alive: 30_000, // 30 s an idle pooled upstream socket is kept
    },
    access_log: {
      enabled: false, // JSON lines through the logger, one per sampled request
      sample_rate: 0.01, // share of forwarded requests logged; the proxy's own errors are always logged
    },
    limits: {
      max_header_bytes: 16 * 1024, // 16 KiB of request head (then 431)
      max_body_bytes: 100 * 1024 * 1024, // 100 MiB of request body (then 413)
      max_connections_per_backend: 256, // upstream sockets per backend; more requests queue
    },
    websocket: {
      max_message_bytes: 16 * 1024 * 1024, // 16 MiB per WebSocket message either way (then close 1009)
      max_backpressure: 1024 * 1024, // 1 MiB buffered per direction beyond the message being sent (docs/proxy.md)
      idle_timeout: 120_000, // 120 s without a frame from the client (uWS pings first; 0 = off, else 8 s..960 s)
    },
  },
  admin: {
    listen: '127.0.0.1:8001',
  },
  store: {
    backend: 'embedded',
    data_dir: './data',
  },
  telemetry: {
    interval: 1_000, // 1 s between metrics records per app and proxy
  },
  cluster: {
    min_replicas: 2,
    max_replicas: 50,
    starting_port: 3000,
    target_rps_per_replica: 100, // requests per second one replica should carry
    settings: {
      policy: 'rps',
      target_concurrency_per_replica: 10, // in-flight requests per replica (policy: concurrency)
      scaleupnumber: 5, // replicas added at most per scale-up step
      scaledownnumber: 1, // replicas removed at most per scale-down step
      scale_up_grace_period: 1_000, // 1 s a higher load must last before scaling up
      scale_down_cooldown: 5_000, // 5 s after any scale event before scaling down
      scale_to_zero_after: 300_000, // 5 m without requests before an app with min_replicas 0 goes to zero
    },
  },
  ratelimiter: {
    ratelimit: 500_000_000, // requests per client per window: the seed's "practically off"
    ratewindow: 15_000, // 15 s sliding window
    scope: 'local',
    sync_interval: 250, // 250 ms between count exchanges (scope: cluster); see docs/proxy.md for the overshoot it bounds
    max_tracked_clients: 100_000, // clients remembered at once; see docs/configuration.md for the bound
    ipv6_prefix: 64, // IPv6 clients are grouped by this prefix length
    allow: [] as string[],
  },
  app: {
    match: { path_prefix: '/' },
    health: {
      path: '/healthz',
      interval: 5_000, // 5 s between readiness/health probes
      timeout: 1_000, // 1 s per probe
    },
    drain_timeout: 30_000, // 30 s a draining backend gets to finish in-flight work
  },
  backend: {
    docker: {
      network: 'host',
      port: 8080, // container port (network: bridge only)
      pull: 'never',
      stop_timeout: 10_000, // 10 s between SIGTERM and SIGKILL
    },
    process: {
      stop_timeout: 10_000, // 10 s between SIGTERM and SIGKILL
    },
  },
} as const;
