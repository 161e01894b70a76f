import type { AlarmView } from './monitor';

/** What on-call reads first: how many alarms fire, which, and how the OK ones fold per provider. */
export interface DashboardSummary {
  firing: number;
  ok: number;
  total: number;
  /** One line: the firing alarms, first fired first, or that every alarm is OK. */
  headline: string;
  /** One entry per provider (`stack` for alarms of no provider, such as the API's), in name order. */
  providers: { provider: string; firing: number; ok: number }[];
}

/** The group an alarm folds into on the dashboard. */
export const groupOf = (a: Pick<AlarmView, 'provider'>): string => a.provider ?? 'stack';

const HEADLINE_ALARMS = 3;

/**
 * The dashboard's summary of the alarms.
 *
 * @example
 * summarize(monitor.alarms()).headline // '2 alarms firing: Circuit breaker open (football), Webhook route throttled (github)'
 */
export function summarize(alarms: AlarmView[]): DashboardSummary {
  const firing = alarms
    .filter((a) => a.state === 'ALARM')
    .sort((a, b) => a.since - b.since || a.key.localeCompare(b.key));
  const names = firing.slice(0, HEADLINE_ALARMS).map((a) => `${a.title} (${a.subject})`);
  if (firing.length > HEADLINE_ALARMS) names.push(`${firing.length - HEADLINE_ALARMS} more`);
  const headline =
    firing.length === 0
      ? `All ${alarms.length} alarms OK`
      : `${firing.length} ${firing.length === 1 ? 'alarm' : 'alarms'} firing: ${names.join(', ')}`;
  const groups = new Map<string, { provider: string; firing: number; ok: number }>();
  for (const a of alarms) {
    const provider = groupOf(a);
    const g = groups.get(provider) ?? { provider, firing: 0, ok: 0 };
    if (a.state === 'ALARM') g.firing += 1;
    else g.ok += 1;
    groups.set(provider, g);
  }
  return {
    firing: firing.length,
    ok: alarms.length - firing.length,
    total: alarms.length,
    headline,
    providers: [...groups.values()].sort((a, b) => a.provider.localeCompare(b.provider)),
  };
}
