import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProviderCircuit } from '../../lambdas/core/circuit-recorder';
import type { LocalMonitor } from './monitor';

/** What the dashboard's change events section shows: each route's counts and the latest events. */
export interface ChangesView {
  routes: { name: string; on: string; does: string; matched: number; queued: number; refused: number }[];
  recent: { time: string; detailType: string; provider: string; key: string; version: number; changed: string[] }[];
}

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const require = createRequire(import.meta.url);

// uPlot from node_modules, served by the stack itself: the page needs no network.
const ASSETS: Record<string, { file: string; type: string }> = {
  'uPlot.iife.min.js': {
    file: join(dirname(require.resolve('uplot')), 'uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'uPlot.min.css': { file: join(dirname(require.resolve('uplot')), 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/** State the monitor does not hold, read when the page asks: each provider's circuit breaker. */
export interface DashboardExtras {
  circuits?(): Promise<ProviderCircuit[]>;
  /** The change events section: each route's counts and the latest events. */
  changes?(): ChangesView;
}

async function stateWithExtras(monitor: LocalMonitor, extra: DashboardExtras) {
  return { ...monitor.state(), ...(extra.circuits ? { circuits: await extra.circuits() } : {}) };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): true {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
  return true;
}

/**
 * The local dashboard's routes, for LocalApiGateway.addPage: `/_dashboard` (the page) and `/_dashboard/dashboard.js`
 * (its script), `/_dashboard/state` (alarms, summary and chart series as JSON, polled by the page; DashboardState
 * says how it is versioned), `/_dashboard/changes` (routes and the latest change events), `/_dashboard/assets/*`
 * (uPlot) and
 * `/_dashboard/runbooks/<rule>.md` (the runbook each alarm links to).
 *
 * @example
 * api.addPage(dashboardPage(monitor));
 */
export function dashboardPage(
  monitor: LocalMonitor,
  extra: DashboardExtras = {},
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/_dashboard' && !path.startsWith('/_dashboard/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');
    if (path === '/_dashboard' || path === '/_dashboard/')
      return send(res, 200, 'text/html; charset=utf-8', readFileSync(join(HERE, 'dashboard.html')));
    if (path === '/_dashboard/dashboard.js')
      return send(res, 200, 'text/javascript; charset=utf-8', readFileSync(join(HERE, 'dashboard.js')));
    if (path === '/_dashboard/state') {
      void stateWithExtras(monitor, extra).then(
        (state) => send(res, 200, 'application/json', JSON.stringify(state)),
        (err: unknown) => send(res, 500, 'application/json', JSON.stringify({ message: (err as Error).message })),
      );
      return true;
    }
    if (path === '/_dashboard/changes')
      return send(res, 200, 'application/json', JSON.stringify(extra.changes?.() ?? { routes: [], recent: [] }));
    const asset = ASSETS[path.slice('/_dashboard/assets/'.length)];
    if (path.startsWith('/_dashboard/assets/') && asset) return send(res, 200, asset.type, readFileSync(asset.file));
    const runbook = /^\/_dashboard\/runbooks\/([a-z0-9-]+)\.md$/.exec(path)?.[1];
    const file = runbook ? join(ROOT, 'docs', 'runbooks', `${runbook}.md`) : undefined;
    if (file && existsSync(file)) return send(res, 200, 'text/markdown; charset=utf-8', readFileSync(file));
    return send(res, 404, 'application/json', JSON.stringify({ message: 'Not Found' }));
  };
}
