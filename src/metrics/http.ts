import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import { DASHBOARD_HTML } from './dashboard-page.js';
import { readinessReport } from './health.js';
import type { NodeMetrics } from './registry.js';
import type { HealthReport, HistoryItemView, MemberStatus } from './types.js';

/** What the node hands to the HTTP server. */
export interface HttpServerOptions {
  /** host:port; port 0 picks a free port. IPv6 hosts in brackets: [::1]:9101. */
  listen: string;
  metrics: NodeMetrics;
  /** /healthz: process and storage alive (LivenessMonitor.check fits). */
  health: () => HealthReport | Promise<HealthReport>;
  /** /readyz; by default readinessReport() over the metrics snapshot. */
  ready?: () => HealthReport | Promise<HealthReport>;
  /** /api/status: every member's Status answer, as this node sees them. */
  clusterStatus: () => Promise<MemberStatus[]>;
  /** /api/history: recent leadership changes and periods without a quorum, newest first; absent means 404. */
  history?: () => Promise<HistoryItemView[]>;
  /** Bound on each callback: a slower one answers 504 rather than holding the request. */
  callbackTimeoutMs?: number;
  /** Serve HTTPS with this certificate; `onChange` fires after a reload (new connections get it). */
  tls?: HttpTls;
  /**
   * Host names requests may carry in their Host header (IP addresses are always allowed). A page
   * on another site whose name an attacker points at this node (DNS rebinding) carries that name,
   * so it is refused before it can read /api/status.
   */
  allowedHosts?: readonly string[];
  /**
   * Who may read the dashboard, /api/status and /api/history (and /metrics when `gate.metrics`):
   * absent, anyone who passes the Host check. /healthz and /readyz are never gated (probes).
   */
  auth?: HttpAuthGate;
  /** A route failed (answered 500) or timed out (504): the node logs it, since the page only shows the caller. */
  onError?: (err: unknown, path: string) => void;
}

/** Decides whether a request's credentials (its Authorization header) let it read a gated route. */
export interface HttpAuthGate {
  /** Gate /metrics too (Prometheus then needs basic_auth in its scrape config). */
  readonly metrics: boolean;
  check(request: HttpAuthRequest): Promise<HttpAuthDecision>;
}

/** What the gate sees of a request. */
export interface HttpAuthRequest {
  /** The Authorization header, if any. */
  authorization: string | undefined;
  /** The caller's address, as the audit log writes it (`ipv4:127.0.0.1:5678`). */
  client: string;
  method: string;
  path: string;
}

/** Let in (as `user`; null when auth is off), or refused with a status and why. */
export type HttpAuthDecision = { ok: true; user: string | null } | { ok: false; status: 401 | 503; error: string };

/** The certificate the HTTPS server presents, and news of its reloads. */
export interface HttpTls {
  current(): { cert: Buffer; key: Buffer };
  onChange(listener: () => void): void;
}

/** A running HTTP server. */
export interface HttpServerHandle {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Stops listening and drops open connections (browsers keep them alive). */
  close(): Promise<void>;
}

type Handler = (res: ServerResponse, url: URL) => Promise<void>;
/** A route: its handler, and whether the auth gate guards it. */
interface Route {
  handler: Handler;
  gated: boolean;
}

/** The realm browsers show in their login prompt (RFC 7617). */
export const HTTP_AUTH_REALM = 'raftdb';
const CHALLENGE = `Basic realm="${HTTP_AUTH_REALM}", charset="UTF-8"`;

const JSON_TYPE = 'application/json; charset=utf-8';
// The page is self-contained: forbid every external fetch so that a regression shows up at once.
const DASHBOARD_CSP = "default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

/** Serves /metrics, /healthz, /readyz, /api/status, /api/series, /api/history and the dashboard at /. */
export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServerHandle> {
  const { host, port } = parseListen(opts.listen);
  const timeoutMs = opts.callbackTimeoutMs ?? 5000;
  const bounded = <T>(what: string, fn: () => T | Promise<T>): Promise<T> => withTimeout(what, fn, timeoutMs);
  // Many open dashboards must not multiply the Status fan-out: concurrent requests share one call.
  const status = coalesce(() => bounded('cluster status', opts.clusterStatus));
  const history = opts.history ? coalesce(() => bounded('failover history', opts.history!)) : null;
  const ready = opts.ready ?? (() => readinessReport(opts.metrics.snapshot()));

  // Every route is a read: the HTTP port changes nothing, so no page can be tricked into a
  // state change by a link or an <img> (CSRF); route() refuses every method but GET and HEAD.
  const gateMetrics = opts.auth?.metrics === true;
  const routes = new Map<string, Route>([
    ['/', { gated: true, handler: async (res) => send(res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML, { 'content-security-policy': DASHBOARD_CSP }) }],
    ['/metrics', { gated: gateMetrics, handler: async (res) => send(res, 200, opts.metrics.contentType, await opts.metrics.render()) }],
    ['/healthz', { gated: false, handler: async (res) => sendReport(res, await bounded('health', opts.health)) }],
    ['/readyz', { gated: false, handler: async (res) => sendReport(res, await bounded('readiness', ready)) }],
    ['/api/status', { gated: true, handler: async (res) => sendJson(res, 200, await status()) }],
    // The dashboard's charts: this node's last 10 minutes, one sample a second (history-ring.ts).
    ['/api/series', { gated: true, handler: async (res, url) => sendJson(res, 200, opts.metrics.series(sinceParam(url))) }],
  ]);
  if (history) routes.set('/api/history', { gated: true, handler: async (res) => sendJson(res, 200, await history()) });

  const allowed = new Set((opts.allowedHosts ?? ['localhost']).map((h) => h.toLowerCase()));
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostAllowed(req.headers.host, allowed)) {
      return sendJson(res, 421, { error: `host ${JSON.stringify(String(req.headers.host).slice(0, 100))} is not a name of this node; allowed: IP addresses, ${[...allowed].join(', ')} (serve --http-allowed-hosts)` });
    }
    void route(routes, opts.auth ?? null, req, res, opts.onError);
  };
  const tls = opts.tls;
  const server = tls ? createHttpsServer(tls.current(), handler) : createServer(handler);
  if (tls) tls.onChange(() => (server as ReturnType<typeof createHttpsServer>).setSecureContext(tls.current()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Whether a Host header names this node: absent, an IP address, or one of `allowed`. */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (header === undefined) return true;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+))(?::\d{1,5})?$/.exec(header);
  if (!m) return false;
  if (m[1] !== undefined) return isIP(m[1]) === 6;
  const host = m[2]!.toLowerCase().replace(/\.$/, '');
  return isIP(host) !== 0 || allowed.has(host);
}

async function route(routes: Map<string, Route>, gate: HttpAuthGate | null, req: IncomingMessage, res: ServerResponse, onError?: (err: unknown, path: string) => void): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const r = routes.get(path);
  try {
    if (!r) return sendJson(res, 404, { error: `no such path: ${path}`, paths: [...routes.keys()] });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { error: `method ${req.method} not allowed on ${path}` }, { allow: 'GET, HEAD' });
    }
    if (r.gated && gate) {
      const client = `${req.socket.remoteFamily === 'IPv6' ? 'ipv6' : 'ipv4'}:${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
      const decision = await gate.check({ authorization: req.headers.authorization, client, method: req.method, path });
      if (!decision.ok) {
        // 401 asks the browser for a user and password; 503 (too many password checks) for a retry.
        const headers: Record<string, string> = decision.status === 401 ? { 'www-authenticate': CHALLENGE } : { 'retry-after': '1' };
        return sendJson(res, decision.status, { error: decision.error }, headers);
      }
    }
    await r.handler(res, url);
  } catch (err) {
    const timedOut = err instanceof CallbackTimeout;
    onError?.(err, path);
    if (!res.headersSent) sendJson(res, timedOut ? 504 : 500, { error: (err as Error).message });
    else res.destroy();
  }
}

/** ?since=MS: only samples taken after it (a polling page asks for what is new); absent or bad: all. */
function sinceParam(url: URL): number {
  const v = Number(url.searchParams.get('since') ?? '');
  return Number.isFinite(v) && v > 0 ? v : 0;
}

function sendReport(res: ServerResponse, report: HealthReport): void {
  sendJson(res, report.status === 'unhealthy' ? 503 : 200, report);
}

function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, code, JSON_TYPE, JSON.stringify(body), headers);
}

function send(res: ServerResponse, code: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  // HEAD gets the headers only; node:http drops the body of a HEAD response itself.
  res.end(body);
}

class CallbackTimeout extends Error {}

async function withTimeout<T>(what: string, fn: () => T | Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallbackTimeout(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(fn), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Wraps `fn` so that calls made while one is running share its result. */
function coalesce<T>(fn: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | null = null;
  return () => (running ??= fn().finally(() => (running = null)));
}

/** Splits 'host:port' or '[v6]:port'. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`metrics: listen address must be host:port, got "${listen}"`);
  return { host: m[1] ?? m[2]!, port };
}
