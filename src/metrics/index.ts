// Observability for one node: the Prometheus registry, the HTTP endpoints (metrics, health,
// readiness, cluster status, the dashboard) and the `raftdb top` renderer.
export { NodeMetrics, SWALLOWED_ERROR_SITES, type NodeMetricsOptions, type SwallowedErrorSite } from './registry.js';
export {
  startHttpServer,
  parseListen,
  HTTP_AUTH_REALM,
  type HttpServerOptions,
  type HttpServerHandle,
  type HttpAuthGate,
  type HttpAuthRequest,
  type HttpAuthDecision,
} from './http.js';
export {
  LivenessMonitor,
  readinessReport,
  healthReport,
  LIVENESS_DEFAULTS,
  READINESS_DEFAULTS,
  type LivenessProbes,
  type LivenessOptions,
  type ReadinessOptions,
} from './health.js';
export { IndexClock } from './lag.js';
export { HistoryRing, HISTORY_INTERVAL_MS, HISTORY_SAMPLES, MAX_PEERS_PER_SAMPLE, type HistorySample } from './history-ring.js';
export { renderTop, type TopOptions } from './top.js';
export { DASHBOARD_HTML } from './dashboard-page.js';
export * from './types.js';
