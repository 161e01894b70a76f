import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

export interface SynthBundle {
  /** The handler file under lambdas/handlers/ (without `.ts`), or the asset id when it cannot be told. */
  handler: string;
  /** Absolute path of the handler's entry file, when known. */
  entry?: string;
  bundle: string;
  bytes: number;
  /** Logical ids of the functions deploying this bundle (one bundle can serve every provider). */
  functions: string[];
  /** The first function's environment, with CloudFormation references replaced by placeholders. */
  environment: Record<string, string>;
}

interface TemplateFunction {
  Type: string;
  Metadata?: Record<string, unknown>;
  Properties: { Environment?: { Variables?: Record<string, unknown> } };
}

/**
 * The handler a bundle was built from: its service name when that file is among the map's sources, else its only
 * handler source.
 */
function entryOf(root: string, bundle: string, service: string | undefined): string | undefined {
  const map = `${bundle}.map`;
  if (!existsSync(map)) return undefined;
  const sources = (JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }).sources
    .map((s) => join(bundle, '..', s))
    .filter((s) => relative(root, s).startsWith(join('lambdas', 'handlers')));
  const named = sources.find((s) => service && s.endsWith(`${service}.ts`));
  if (named) return named;
  const handlers = sources.filter((s) => !s.includes(join('handlers', 'shared')));
  return handlers.length === 1 ? handlers[0] : undefined;
}

/**
 * Runs a real `cdk synth` (offline, no credentials) into `out` and returns every Lambda bundle in it,
 * each once however many functions deploy it.
 *
 * @example
 * for (const b of await synthBundles(root, tmp)) console.log(b.handler, b.bytes);
 */
export async function synthBundles(root: string, out: string): Promise<SynthBundle[]> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: '',
    CDK_DEFAULT_ACCOUNT: '',
    CI: 'true',
  };
  await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--output', out], {
    cwd: root,
    env,
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return bundlesIn(root, out);
}

/**
 * Every handler bundle of a synthesized cloud assembly (`out`), with the functions deploying it and the first one's
 * environment.
 *
 * @example
 * const bundles = bundlesIn(process.cwd(), 'cdk.out');
 */
export function bundlesIn(root: string, out: string): SynthBundle[] {
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const bundles = new Map<string, SynthBundle>();
  for (const artifact of Object.values(manifest.artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const template = JSON.parse(readFileSync(join(out, artifact.properties.templateFile), 'utf8')) as {
      Resources: Record<string, TemplateFunction>;
    };
    for (const [id, resource] of Object.entries(template.Resources)) {
      const asset = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || typeof asset !== 'string') continue;
      // Only our handlers (ESM bundles with a POWERTOOLS_SERVICE_NAME); CDK's own helpers (bucket auto-delete) are not
      // ours to measure.
      const bundle = join(out, asset, 'index.mjs');
      if (!existsSync(bundle) || !resource.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME) continue;
      const known = bundles.get(bundle);
      if (known) {
        known.functions.push(id);
        continue;
      }
      const variables = resource.Properties.Environment?.Variables ?? {};
      const environment = Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `placeholder-${k.toLowerCase()}`]),
      );
      const entry = entryOf(root, bundle, environment.POWERTOOLS_SERVICE_NAME);
      const handler = entry
        ? relative(join(root, 'lambdas', 'handlers'), entry).replace(/\.ts$/, '')
        : asset.slice(0, 14);
      bundles.set(bundle, { handler, entry, bundle, bytes: statSync(bundle).size, functions: [id], environment });
    }
  }
  return [...bundles.values()].sort((a, b) => a.handler.localeCompare(b.handler));
}
