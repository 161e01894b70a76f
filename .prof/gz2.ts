import { gzipSync } from 'node:zlib';
import { sampleGithubIssue } from '../lambdas/providers/github';
const gh = sampleGithubIssue({ number: 1, updatedAt: '2024-05-01T00:00:00Z' });
// realistic-ish entity: the issue with a long prose body (not a run of one letter)
const words = 'the quick brown fox jumps over lazy dog when webhook retries arrive out of order and records keep their newest version'.split(' ');
let body = ''; let k = 7; while (body.length < 2500) { k = (k * 1103515245 + 12345) % 2147483648; body += words[k % words.length] + ' '; }
const issue = { ...(gh.issue as object), body };
const t = JSON.stringify(issue);
const variants: [string, object][] = [['default', {}], ['L1', { level: 1 }], ['L1 w12 m7', { level: 1, windowBits: 12, memLevel: 7 }], ['L6 w12 m7', { windowBits: 12, memLevel: 7 }], ['L1 w13 m8', { level: 1, windowBits: 13 }]];
for (let round = 0; round < 2; round++) for (const [name, o] of variants) {
  const n = 5000; const t0 = performance.now(); let size = 0;
  for (let i = 0; i < n; i++) size = gzipSync(t, o).length;
  if (round) console.log(name.padEnd(12), Buffer.byteLength(t), '->', size, 'B', (((performance.now() - t0) / n) * 1000).toFixed(1), 'us');
}
