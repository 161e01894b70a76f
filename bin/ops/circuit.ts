import { DynamoCircuitStore } from '../../lambdas/adapters/circuit-store';
import { type ProviderCircuit, providerCircuits } from '../../lambdas/core/circuit-recorder';
import type { OpsVerb } from './verb';

export interface CircuitReport {
  where: string;
  now: number;
  providers: ProviderCircuit[];
}

const iso = (ms: number) => new Date(ms).toISOString();

function providerText(p: ProviderCircuit, now: number): string[] {
  if (p.since === undefined) return [`${p.provider}: closed (no transition recorded)`];
  const probe =
    p.nextProbeAt === undefined
      ? ''
      : `, next probe ${iso(p.nextProbeAt)} (${p.nextProbeAt <= now ? 'due: the next call probes' : `in ${Math.ceil((p.nextProbeAt - now) / 1000)} s`})`;
  return [
    `${p.provider}: ${p.state} since ${iso(p.since)}${probe}`,
    ...p.sources.map((s) => `  ${s.source}: ${s.state} at ${iso(s.at)}`),
    ...p.failures.map(
      (f) =>
        `  failure ${iso(f.at)} ${f.operation}${f.status ? ` ${f.status}` : ''} ${f.errorCode}${f.message ? `: ${f.message}` : ''}`,
    ),
  ];
}

export function circuitText(r: CircuitReport): string {
  const open = r.providers.filter((p) => p.state !== 'closed').length;
  return [
    ...r.providers.flatMap((p) => providerText(p, r.now)),
    `${open} of ${r.providers.length} circuit(s) not closed on ${r.where}`,
  ].join('\n');
}

export const verb: OpsVerb = {
  synopsis: 'circuit [provider]',
  summary: "each provider's circuit breaker as last seen by any function: state, recent failures, next probe",
  run: async (ctx) => {
    const names = ctx.args[0] ? [ctx.provider(ctx.args[0]).name] : ctx.providers.map((p) => p.name);
    const target = await ctx.target();
    const { doc, name } = target.tables();
    const transitions = await new DynamoCircuitStore(doc, name('circuits')).list(
      names.length === 1 ? names[0] : undefined,
    );
    const report: CircuitReport = {
      where: target.where,
      now: Date.now(),
      providers: providerCircuits(names, transitions),
    };
    ctx.print(report, circuitText);
    return 0;
  },
};
