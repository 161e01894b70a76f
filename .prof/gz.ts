import { gzipSync, constants } from 'node:zlib';
import { sampleGithubIssue } from '../lambdas/providers/github';
import { providers, webhookSamples } from '../lambdas/providers';
const texts: [string, string][] = [];
const gh = sampleGithubIssue({ number: 1, updatedAt: '2024-05-01T00:00:00Z' });
texts.push(['github issue', JSON.stringify(gh.issue)]);
for (const p of providers) {
  const s = webhookSamples(p); if (!s) continue;
  try { const d = s.documented({ now: new Date(), ids: { next: () => 'id1' } } as never); const body = JSON.parse(String((d as { body: unknown }).body ?? '{}')); texts.push([p.name, JSON.stringify(body)]); } catch (e) { /* skip */ }
}
for (const [name, t] of texts) {
  const row = [name.padEnd(14), String(Buffer.byteLength(t)).padStart(6)];
  for (const level of [1, 3, 6]) {
    const n = 2000; const t0 = performance.now(); let size = 0;
    for (let i = 0; i < n; i++) size = gzipSync(t, { level }).length;
    row.push(`L${level}: ${size} B ${(((performance.now() - t0) / n) * 1000).toFixed(0)} us`);
  }
  console.log(row.join('  '));
}
