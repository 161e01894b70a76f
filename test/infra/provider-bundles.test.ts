import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOnce, stageBundle } from '../../bench/cold-start/load-time';
import { esbuildOptions } from '../../bench/cold-start/rebuild';
import { ENV } from '../../lambdas/core/env-contract';
import { providers } from '../../lambdas/providers';
import { type ProviderPart, UNREAD_PARTS } from '../../lib/lambda-function';
import { BUNDLE_NODES, eagerGetterImports } from '../helpers/lambda-bundles';

const dir = mkdtempSync(join(tmpdir(), 'provider-bundles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The provider files whose code is in the output (esbuild lists every file it read in metafile.inputs).
const providerFiles = (metafile: Metafile): string[] =>
  Object.values(metafile.outputs)
    .flatMap((o) =>
      Object.entries(o.inputs)
        .filter(([, i]) => i.bytesInOutput > 0)
        .map(([p]) => p),
    )
    .map((p) => /lambdas\/providers\/([a-z0-9-]+)\.ts$/.exec(p)?.[1])
    .filter((f): f is string => f !== undefined && !['index', 'payload', 'types'].includes(f))
    .sort();

// The registry as a handler imports it: what else index.ts exports (providers' samples) is for local tools only.
const ENTRY = join(dir, 'entry.ts');
writeFileSync(
  ENTRY,
  `export { getProvider, providers } from '${join(process.cwd(), 'lambdas/providers/index.ts')}';\n`,
);

describe('one-provider bundles (the registry as lib/lambda-function.ts bundles it)', () => {
  it.each(providers.map((p) => p.name))(
    'a function for %s gets its definition and no other provider file, nor any sample delivery',
    async (name) => {
      const outfile = join(dir, `${name}.mjs`);
      const { metafile } = await build(esbuildOptions(ENTRY, outfile, { provider: name }));
      const files = providerFiles(metafile!);
      expect(files).toContain(name);
      expect(files.filter((f) => f !== name && !f.startsWith(`${name}-`))).toEqual([]);
      const code = readFileSync(outfile, 'utf8');
      for (const sample of [
        'Codertocat',
        'seti_1NG8Du2eZvKYlo2C',
        'U0LAN0Z89',
        'johns-apparel',
        'voteOnCard',
        'John Smith',
      ])
        expect(code, sample).not.toContain(sample);
      const bundled = (await import(pathToFileURL(outfile).href)) as typeof import('../../lambdas/providers');
      expect(bundled.providers.map((p) => p.name)).toEqual([name]);
      expect(bundled.getProvider(name)?.name).toBe(name);
    },
  );

  it('a function serving every provider (no PROVIDER) gets them all', async () => {
    const outfile = join(dir, 'all.mjs');
    await build(esbuildOptions(ENTRY, outfile, {}));
    const bundled = (await import(pathToFileURL(outfile).href)) as typeof import('../../lambdas/providers');
    expect(bundled.providers.map((p) => p.name).sort()).toEqual(providers.map((p) => p.name).sort());
  });
});

// A file that reads a definition's part: `def.writes`, `provider?.recover`, `def['writes']`, `const { writes } = def`.
const reads = (part: ProviderPart) =>
  new RegExp(String.raw`[\w)\]?]\??\.${part}\b|\[\s*['"]${part}['"]\s*\]|[{,]\s*${part}\s*[,}:]`);
const READS: Record<ProviderPart, RegExp> = { writes: reads('writes'), recover: reads('recover') };
// The files that define the parts (a provider's definition and its part files); every other file is checked.
const DEFINES = new RegExp(String.raw`^lambdas/providers/(${providers.map((p) => p.name).join('|')})(-[a-z]+)?\.ts$`);

describe('provider parts a handler never reads (UNREAD_PARTS) are left out of its bundle', () => {
  it.each(Object.entries(UNREAD_PARTS))('%s reads none of %j in its own code', async (handler, parts) => {
    const entry = join(process.cwd(), 'lambdas/handlers', `${handler}.ts`);
    const { metafile } = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
    });
    // Provider files define the parts; everything else a handler runs must not look at the ones it goes without.
    const own = Object.keys(metafile.inputs).filter((p) => p.startsWith('lambdas/') && !DEFINES.test(p));
    expect(own.length).toBeGreaterThan(5);
    for (const part of parts)
      expect(
        own.filter((p) => READS[part].test(readFileSync(p, 'utf8'))),
        `${handler}: ${part}`,
      ).toEqual([]);
  });

  it('the readers are found: the writer reads writes, the recovery reads recover, in every spelling', () => {
    expect(READS.writes.test(readFileSync('lambdas/core/writes/resolve.ts', 'utf8'))).toBe(true);
    expect(READS.recover.test(readFileSync('lambdas/handlers/recovery.ts', 'utf8'))).toBe(true);
    for (const code of ['def?.writes', "def['writes']", 'const { writes } = def', 'const { name, writes: w } = def'])
      expect(READS.writes.test(code), code).toBe(true);
    for (const code of ['const writes = 2', 'rewrites()', '"writes: none"', '// no writes here'])
      expect(READS.writes.test(code), code).toBe(false);
    expect(DEFINES.test('lambdas/providers/trello-writes.ts')).toBe(true);
    expect(DEFINES.test('lambdas/providers/operations.ts')).toBe(false);
  });

  it.each([
    ['poller', { writes: false, recover: false }],
    ['recovery', { writes: false, recover: true }],
    ['command-writer', { writes: true, recover: false }],
    ['records-read', { writes: true, recover: true }],
  ] as const)('a Trello %s bundle holds only the parts it reads: %j', async (handler, has) => {
    const outfile = join(dir, `trello-${handler}.mjs`);
    const { metafile } = await build(esbuildOptions(ENTRY, outfile, { provider: 'trello', handler }));
    const files = providerFiles(metafile!);
    expect(files.includes('trello-writes')).toBe(has.writes);
    expect(files.includes('trello-recover')).toBe(has.recover);
    expect(files).toContain('trello-polls');
    const bundled = (await import(pathToFileURL(outfile).href)) as typeof import('../../lambdas/providers');
    const trello = bundled.getProvider('trello')!;
    expect(trello.writes !== undefined).toBe(has.writes);
    expect(trello.recover !== undefined).toBe(has.recover);
    expect(trello.polls?.map((p) => p.name)).toEqual(['cards']);
  });
});

// Only stages with `sourceIps: 'published'` deploy it, so the synth test (the dev stage) never sees its bundle.
describe('the source-IP refresher, as a stage with published ranges bundles it', () => {
  it("holds no AWS SDK client nor an eager builtin import, and loads as Lambda's init does, on Lambda's node too", async () => {
    const outfile = join(dir, 'refresher', 'source-ips-refresh.mjs');
    const entry = join(process.cwd(), 'lambdas/handlers/source-ips-refresh.ts');
    const { metafile } = await build(esbuildOptions(entry, outfile, { provider: 'github' }));
    expect(Object.keys(metafile!.inputs).filter((f) => /@aws-sdk\/(?:client-|lib-)/.test(f))).toEqual([]);
    expect(eagerGetterImports(readFileSync(outfile, 'utf8'))).toEqual([]);
    const staged = stageBundle(outfile, join(dir, 'refresher-task'), join(process.cwd(), 'node_modules'));
    const env = { [ENV.provider]: 'github', [ENV.sourceIpsSecretId]: 'prod/github/webhookSourceIps' };
    // On this node and Lambda's major, as the synth test loads the rest.
    for (const node of BUNDLE_NODES) await loadOnce(staged, env, [], node);
  });
});
