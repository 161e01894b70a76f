import { describe, expect, it } from 'vitest';
import { PowertoolsTelemetry } from '../../lambdas/adapters/telemetry';
import { emitMetric } from '../../lambdas/core/metrics';

type Emf = { _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] } } & Record<
  string,
  unknown
>;

function capture() {
  const lines: string[] = [];
  const telemetry = new PowertoolsTelemetry({ serviceName: 'test', namespace: 'Test', sink: (l) => lines.push(l) });
  const emf = () => lines.map((l) => JSON.parse(l) as Emf).filter((e) => e._aws);
  return { telemetry, lines, emf };
}

describe('Powertools telemetry adapter', () => {
  it('publishes a metric emitted under several dimension sets as one EMF document listing every set', () => {
    const { telemetry, emf } = capture();
    emitMetric(telemetry, 'WebhooksReceived', 1, 'Count', { provider: 'github', operation: 'webhook' });
    telemetry.flush();
    const docs = emf();
    expect(docs).toHaveLength(1);
    expect(docs[0]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([
      ['service', 'provider'],
      ['service', 'provider', 'operation'],
    ]);
    expect(docs[0]).toMatchObject({
      provider: 'github',
      operation: 'webhook',
      WebhooksReceived: 1,
      service: 'integration-stack',
    });
  });

  it('sends occurrence counts of one flush as one sum, and keeps gauges and timings value by value', () => {
    const { telemetry, emf } = capture();
    for (let i = 0; i < 50; i += 1) {
      emitMetric(telemetry, 'RecordsWritten', 1, 'Count', { provider: 'github' });
      emitMetric(telemetry, 'EventLagMs', i, 'Milliseconds', { provider: 'github' });
    }
    emitMetric(telemetry, 'GapsOpen', 2, 'Count', { provider: 'github' });
    emitMetric(telemetry, 'GapsOpen', 3, 'Count', { provider: 'github' });
    telemetry.flush();
    const values = Object.assign({}, ...emf());
    expect(values.RecordsWritten).toBe(50);
    expect(values.EventLagMs).toHaveLength(50);
    expect(values.GapsOpen).toEqual([2, 3]);
  });

  it('keeps sets with different metrics in separate documents, so no metric lands under a set it was not emitted for', () => {
    const { telemetry, emf } = capture();
    emitMetric(telemetry, 'SignatureRejected', 1, 'Count', {
      provider: 'github',
      operation: 'webhook',
      reason: 'missing_header',
    });
    telemetry.metric('EventsArchived', 3, 'Count', { provider: 'github' });
    telemetry.flush();
    const byDims = Object.fromEntries(
      emf().map((d) => [
        JSON.stringify(d._aws.CloudWatchMetrics[0]!.Dimensions),
        d._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name),
      ]),
    );
    expect(byDims).toEqual({
      '[["service","provider"]]': ['SignatureRejected', 'EventsArchived'],
      '[["service","provider","operation"],["service","provider","reason"]]': ['SignatureRejected'],
    });
  });

  it('publishes nothing twice: each flush sends only what was emitted since the last one', () => {
    const { telemetry, emf } = capture();
    emitMetric(telemetry, 'WebhooksReceived', 1, 'Count', { provider: 'github', operation: 'webhook' });
    telemetry.flush();
    telemetry.flush();
    emitMetric(telemetry, 'WebhooksReceived', 1, 'Count', { provider: 'github', operation: 'webhook' });
    telemetry.flush();
    expect(emf().map((d) => d.WebhooksReceived)).toEqual([1, 1]);
  });

  it('never merges sets that disagree on a dimension value (two status classes stay two documents)', () => {
    const { telemetry, emf } = capture();
    telemetry.metric('Requests', 1, 'Count', { provider: 'p', operation: 'op', status_class: '5xx' });
    telemetry.metric('Requests', 1, 'Count', { provider: 'p', operation: 'op', status_class: '2xx' });
    telemetry.flush();
    const docs = emf();
    expect(docs.map((d) => d.status_class).sort()).toEqual(['2xx', '5xx']);
    for (const d of docs)
      expect(d._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'provider', 'operation', 'status_class']]);
  });
});

describe('Powertools telemetry adapter, large flushes', () => {
  /** Sums each metric's values per dimension set over every EMF document (a document lists values once per set). */
  function totals(docs: Emf[], metric: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const d of docs) {
      const raw = d[metric];
      if (raw === undefined) continue;
      const sum = ([raw].flat() as number[]).reduce((a, b) => a + b, 0);
      for (const set of d._aws.CloudWatchMetrics[0]!.Dimensions) {
        const key = set.join(',');
        out[key] = (out[key] ?? 0) + sum;
      }
    }
    return out;
  }

  it('keeps every dimension set on every value when one metric collects more than 100 values in a flush', () => {
    const { telemetry, emf } = capture();
    for (let i = 0; i < 250; i++) {
      emitMetric(telemetry, 'Requests', 1, 'Count', { provider: 'football', operation: 'GET /fixtures' });
      emitMetric(telemetry, 'LatencyMs', 10, 'Milliseconds', { provider: 'football', operation: 'GET /fixtures' });
    }
    telemetry.flush();
    const docs = emf();
    expect(totals(docs, 'Requests')).toEqual({ 'service,provider': 250, 'service,provider,operation': 250 });
    expect(totals(docs, 'LatencyMs')).toEqual({ 'service,provider': 2500, 'service,provider,operation': 2500 });
    for (const d of docs) expect(d).toMatchObject({ provider: 'football', operation: 'GET /fixtures' });
  });

  it('keeps a single-set metric whole past 100 values too', () => {
    const { telemetry, emf } = capture();
    for (let i = 0; i < 150; i++) telemetry.metric('EventsArchived', 2, 'Count', { provider: 'github' });
    telemetry.flush();
    expect(totals(emf(), 'EventsArchived')).toEqual({ 'service,provider': 300 });
  });

  it('keeps every dimension set when a flush carries more than 100 metric names', () => {
    const { telemetry, emf } = capture();
    for (let i = 0; i < 120; i++) emitMetric(telemetry, `Metric${i}`, 1, 'Count', { provider: 'p', operation: 'op' });
    telemetry.flush();
    const docs = emf();
    for (const i of [0, 99, 100, 119])
      expect(totals(docs, `Metric${i}`), `Metric${i}`).toEqual({
        'service,provider': 1,
        'service,provider,operation': 1,
      });
  });
});
