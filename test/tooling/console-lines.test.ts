import { describe, expect, it } from 'vitest';
import { consoleLine } from '../../local/console-lines';

const line = (level: string, message: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    level,
    message,
    timestamp: '2026-01-02T03:04:05.678Z',
    service: 'svc',
    sampling_rate: 0,
    xray_trace_id: 'x',
    ...fields,
  });

describe('npm start console lines', () => {
  it('shows notable INFO lines, every WARN and ERROR, one short line each', () => {
    expect(consoleLine(line('INFO', 'webhook accepted', { provider: 'stripe', bytes: 10 }))).toBe(
      '03:04:05 INFO  svc: webhook accepted provider=stripe bytes=10',
    );
    expect(consoleLine(line('INFO', 'sync run stopped: busy'))).toBe('03:04:05 INFO  svc: sync run stopped: busy');
    for (const m of ['sync run finished', 'command done', 'alarm cleared'])
      expect(consoleLine(line('INFO', m))).toContain(m);
    expect(consoleLine(line('WARN', 'provider call failed, retrying', { http_status: 503 }))).toBe(
      '03:04:05 WARN  svc: provider call failed, retrying http_status=503',
    );
    expect(consoleLine(line('ERROR', 'page failed'))).toContain('ERROR svc: page failed');
  });

  it('keeps every outbound call and page to the log file unless --verbose, and never shows metric documents', () => {
    for (const m of ['provider call', 'page fetched', 'event processed', 'command accepted', 'sync run started']) {
      expect(consoleLine(line('INFO', m)), m).toBeUndefined();
      expect(consoleLine(line('INFO', m), { verbose: true }), m).toContain(m);
    }
    expect(consoleLine(JSON.stringify({ _aws: { Timestamp: 1 }, Requests: 1 }), { verbose: true })).toBeUndefined();
    expect(consoleLine('not json')).toBe('not json');
  });

  it('escapes what a provider or caller sent: a newline or an ANSI escape never forges a line (#16 point 9)', () => {
    const forged = 'stripe\n03:04:05 INFO  svc: command done provider=stripe\u001b[2J\u001b[31m';
    const text = consoleLine(
      line('WARN', 'command rejected', { provider: forged, error_message: `provider ${forged}` }),
    );
    expect(text?.includes('\n') || text?.includes('\u001b')).toBe(false);
    expect(text).toContain('provider=stripe\\n03:04:05 INFO');
    expect(consoleLine('not json \u001b[31m red')).toBe('not json \\u001b[31m red');
  });
});
