import {
  ALARM_RULES,
  isWebhookRoute,
  ROUTE_METRIC,
  resolveRule,
  rulesFor,
  runbookPath,
  subjectSlug,
  type AlarmGroup,
  type AlarmId,
  type AlarmRule,
  type AlarmSettings,
} from '../../lambdas/core/alarm-rules';
import { METRIC } from '../../lambdas/core/metrics';
import type { LocalQueue } from '../queue';
import { buildCharts, type Chart } from './charts';
import { AWS_NAMESPACE, evaluateRule, LOCAL_API_ID, type AlarmState, type LocalTarget } from './evaluate';
import { MetricStore } from './metric-store';
import { type DashboardSummary, summarize } from './summary';

export interface LocalMonitorOptions {
  namespace: string;
  /** Periods last `period / timeScale` (60: a one-minute period lasts a second). Default 1. */
  timeScale?: number;
  /** The same overrides the CDK stack takes. */
  alarms?: AlarmSettings;
  /** How often queues are sampled and alarms evaluated; default a tenth of the shortest period, 50..1000 ms. */
  tickMs?: number;
  /** Chart buckets shown (default 60). */
  buckets?: number;
  now?: () => number;
  /** Called when an alarm changes state (the local stand-in for the SNS on-call topic). */
  onTransition?(alarm: AlarmView, from: AlarmState): void;
}

export interface AlarmView {
  key: string;
  id: string;
  title: string;
  summary: string;
  subject: string;
  provider?: string;
  state: AlarmState;
  /** Epoch ms of the last state change. */
  since: number;
  value: number | null;
  datapoints: (number | null)[];
  threshold: number;
  comparison: AlarmRule['comparison'];
  unit: AlarmRule['unit'];
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  runbook: string;
  runbookUrl: string;
}

/**
 * `GET /_dashboard/state`. Version 2 added `version` and `summary`; every version-1 field keeps its meaning, so
 * readers of version 1 keep working. A new field is an addition; a changed meaning is a new version.
 */
export interface DashboardState {
  version: 2;
  now: number;
  timeScale: number;
  bucketMs: number;
  refreshMs: number;
  /** Bucket start times (epoch ms), oldest first; every chart series has one value per bucket. */
  times: number[];
  charts: Chart[];
  alarms: AlarmView[];
  /** The headline and the per-provider counts the page folds OK alarms by. */
  summary: DashboardSummary;
}

interface Instance {
  key: string;
  rule: AlarmRule;
  subject: string;
  provider?: string;
  target: LocalTarget;
  state: AlarmState;
  since: number;
  value: number | null;
  datapoints: (number | null)[];
}

/**
 * The local stack's CloudWatch: collects the EMF documents the handlers emit, samples the local queues as
 * SQS metrics, evaluates the alarm rules of lambdas/core/alarm-rules.ts (the ones CDK deploys) and serves
 * the dashboard's state. Registration mirrors the CDK facade: `monitor.provider('github').webhook({ queue, dlq })`.
 *
 * @example
 * const monitor = new LocalMonitor({ namespace: 'IntegrationStack', timeScale: 60 });
 * const sink = (line: string) => { monitor.ingest(line); };
 * monitor.provider('github').client().webhook({ queue, dlq });
 * monitor.start();
 */
export class LocalMonitor {
  readonly store: MetricStore;
  readonly timeScale: number;
  readonly tickMs: number;
  readonly bucketMs: number;
  readonly namespace: string;
  private readonly now: () => number;
  private readonly instances = new Map<string, Instance>();
  private readonly queues = new Map<string, LocalQueue>();
  private readonly providers = new Map<string, LocalProviderMonitoring>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: LocalMonitorOptions) {
    this.timeScale = opts.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error('timeScale must be positive');
    this.now = opts.now ?? Date.now;
    this.namespace = opts.namespace;
    const periodsMs = ALARM_RULES.map((r) => (r.periodSeconds * 1000) / this.timeScale);
    this.tickMs = opts.tickMs ?? Math.min(1000, Math.max(50, Math.min(...periodsMs) / 10));
    this.bucketMs = Math.max(100, Math.min(5000, 60_000 / this.timeScale));
    const longest = Math.max(
      ...ALARM_RULES.map((r) => (r.periodSeconds * r.evaluationPeriods * 1000) / this.timeScale),
    );
    this.store = new MetricStore(Math.max(longest, (opts.buckets ?? 60) * this.bucketMs) + this.bucketMs, this.now);
  }

  get settings(): AlarmSettings {
    return this.opts.alarms ?? {};
  }

  /** Takes every line the handlers' telemetry writes; EMF documents become datapoints. */
  readonly ingest = (line: string): void => {
    this.store.ingest(line);
  };

  provider(name: string): LocalProviderMonitoring {
    let p = this.providers.get(name);
    if (!p) {
      p = new LocalProviderMonitoring(this, name);
      this.providers.set(name, p);
    }
    return p;
  }

  /** The API's own 5xx rate; feed it with recordApiResponse. */
  httpApi(): void {
    for (const rule of rulesFor('platform', 'api', this.settings)) this.add(rule, 'api', {});
  }

  /** Errors and throttles of one local function; feed it with recordFunctionError. */
  lambda(label: string, functionName: string, provider?: string): void {
    for (const rule of rulesFor('platform', 'function', this.settings))
      this.add(rule, label, { fn: functionName }, provider);
  }

  /**
   * One API response: the API's Count/4xx/5xx, and on a webhook route (its key) the route's counts, as CDK's metric
   * filters make them.
   */
  recordApiResponse(status: number, route?: string): void {
    const dims = { ApiId: LOCAL_API_ID };
    const clientError = status >= 400 && status < 500 ? 1 : 0;
    this.store.add(AWS_NAMESPACE.api, 'Count', dims, 1);
    this.store.add(AWS_NAMESPACE.api, '5xx', dims, status >= 500 ? 1 : 0);
    this.store.add(AWS_NAMESPACE.api, '4xx', dims, clientError);
    if (!route || !isWebhookRoute(route)) return;
    this.store.add(this.namespace, ROUTE_METRIC.requests, { route }, 1);
    this.store.add(this.namespace, ROUTE_METRIC.clientErrors, { route }, clientError);
    this.store.add(this.namespace, ROUTE_METRIC.throttled, { route }, status === 429 ? 1 : 0);
  }

  recordFunctionError(functionName: string): void {
    this.store.add(AWS_NAMESPACE.function, 'Errors', { FunctionName: functionName }, 1);
  }

  /** Samples `queue` as CloudWatch's SQS metrics on every tick. */
  sampleQueue(queue: LocalQueue): void {
    this.queues.set(queue.name, queue);
  }

  /** @internal Registers one alarm instance (the facade calls this). */
  add(rule: AlarmRule, subject: string, target: LocalTarget, provider?: string): void {
    const key = `${rule.id}:${subject}`;
    if (this.instances.has(key)) return;
    this.instances.set(key, {
      key,
      rule,
      subject,
      provider,
      target,
      state: 'OK',
      since: this.now(),
      value: null,
      datapoints: [],
    });
  }

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Samples queues, evaluates every alarm, reports state changes. */
  tick(): void {
    const now = this.now();
    for (const q of this.queues.values()) {
      const depth = q.depth();
      const dims = { QueueName: q.name };
      this.store.add(AWS_NAMESPACE.queue, 'ApproximateNumberOfMessagesVisible', dims, depth.visible, now);
      this.store.add(AWS_NAMESPACE.queue, 'ApproximateNumberOfMessagesNotVisible', dims, depth.inFlight, now);
      this.store.add(
        AWS_NAMESPACE.queue,
        'ApproximateAgeOfOldestMessage',
        dims,
        Math.floor(q.oldestAgeMs() / 1000),
        now,
      );
    }
    for (const p of this.providers.values()) p.discoverOperations();
    this.store.prune();
    for (const inst of this.instances.values()) {
      const result = evaluateRule(inst.rule, this.store, inst.target, this.namespace, now, this.timeScale);
      inst.value = result.value;
      inst.datapoints = result.datapoints;
      if (result.state !== inst.state) {
        const from = inst.state;
        inst.state = result.state;
        inst.since = now;
        this.opts.onTransition?.(this.view(inst), from);
      }
    }
  }

  alarms(): AlarmView[] {
    return [...this.instances.values()].map((i) => this.view(i));
  }

  state(): DashboardState {
    const now = this.now();
    const buckets = this.opts.buckets ?? 60;
    const last = Math.floor(now / this.bucketMs) * this.bucketMs;
    const times = Array.from({ length: buckets }, (_, i) => last - (buckets - 1 - i) * this.bucketMs);
    const alarms = this.alarms();
    return {
      version: 2,
      now,
      timeScale: this.timeScale,
      bucketMs: this.bucketMs,
      refreshMs: Math.max(200, Math.min(2000, this.tickMs * 2)),
      times,
      charts: buildCharts(this.store, this.namespace, times, this.bucketMs),
      alarms,
      summary: summarize(alarms),
    };
  }

  private view(i: Instance): AlarmView {
    return {
      key: i.key,
      id: i.rule.id,
      title: i.rule.title,
      summary: i.rule.summary,
      subject: i.subject,
      provider: i.provider,
      state: i.state,
      since: i.since,
      value: i.value,
      datapoints: i.datapoints,
      threshold: i.rule.threshold,
      comparison: i.rule.comparison,
      unit: i.rule.unit,
      periodSeconds: i.rule.periodSeconds,
      evaluationPeriods: i.rule.evaluationPeriods,
      datapointsToAlarm: i.rule.datapointsToAlarm,
      runbook: runbookPath(i.rule.id),
      runbookUrl: `/_dashboard/runbooks/${i.rule.id}.md`,
    };
  }
}

/** One provider's local monitoring; the same methods as lib/observability's ProviderMonitoring. */
export class LocalProviderMonitoring {
  private readonly groups = new Set<AlarmGroup>();
  private readonly operations = new Set<string>();

  constructor(
    private readonly monitor: LocalMonitor,
    readonly provider: string,
  ) {}

  private group(group: AlarmGroup): this {
    if (this.groups.has(group)) return this;
    this.groups.add(group);
    for (const rule of rulesFor(group, 'provider', this.monitor.settings))
      this.monitor.add(rule, this.provider, { provider: this.provider }, this.provider);
    return this;
  }

  client(): this {
    return this.group('client');
  }

  operation(operation: string): this {
    this.client();
    if (this.operations.has(operation)) return this;
    this.operations.add(operation);
    for (const rule of rulesFor('client', 'operation', this.monitor.settings)) {
      this.monitor.add(
        rule,
        subjectSlug(this.provider, operation),
        { provider: this.provider, operation },
        this.provider,
      );
    }
    return this;
  }

  /** With `route` (its route key), the route's 4xx and throttled rates too; feed them with recordApiResponse. */
  webhook(parts: { queue: LocalQueue; dlq: LocalQueue; route?: string }): this {
    this.group('webhook');
    this.queue('webhook-queue-age', parts.queue);
    const route = parts.route;
    if (route)
      for (const rule of rulesFor('webhook', 'route', this.monitor.settings))
        this.monitor.add(rule, this.provider, { provider: this.provider, route }, this.provider);
    return this.queue('webhook-dlq-not-empty', parts.dlq);
  }

  sync(): this {
    return this.group('sync');
  }

  /** With `queue` (the command queue), its backlog and age alarms too. */
  writes(parts: { queue?: LocalQueue } = {}): this {
    this.group('writes');
    if (!parts.queue) return this;
    this.queue('command-queue-backlog', parts.queue);
    return this.queue('command-queue-age', parts.queue);
  }

  /** A queue-scoped rule on one local queue, e.g. `queue('command-dlq-not-empty', commandDlq)`. */
  queue(id: AlarmId, queue: LocalQueue, name?: string): this {
    const rule = resolveRule(id, this.monitor.settings);
    this.monitor.sampleQueue(queue);
    if (rule)
      this.monitor.add(
        rule,
        subjectSlug(this.provider, name),
        { provider: this.provider, queue: queue.name },
        this.provider,
      );
    return this;
  }

  lambda(role: string, functionName: string): this {
    this.monitor.lambda(subjectSlug(this.provider, role), functionName, this.provider);
    return this;
  }

  /** Locally, operations need no registration: every operation that reports latency gets its alarm. */
  discoverOperations(): void {
    if (!this.groups.has('client')) return;
    for (const s of this.monitor.store.select(
      this.monitor.namespace,
      METRIC.LatencyMs,
      (d) => d.provider === this.provider && d.operation !== undefined && Object.keys(d).length === 2,
    )) {
      this.operation(s.dims.operation!);
    }
  }
}
