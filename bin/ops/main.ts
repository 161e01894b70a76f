import { resolve } from 'node:path';
import { providers as listed } from '../../lambdas/providers';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { DEFAULT_STAGE } from '../../lib/stages';
import { type CliIO, cliMain, parseCli, UsageError } from '../cli/main';
import { COMMON_OPTIONS, OpsContext, type OpsVerb } from './verb';
import * as verbs from './verbs';

const VERBS: Record<string, OpsVerb> = verbs;

function verbLines(): string {
  return Object.values(VERBS)
    .map((v) =>
      v.synopsis.length <= 22
        ? `  ${v.synopsis.padEnd(22)} ${v.summary}`
        : `  ${v.synopsis}\n${' '.repeat(25)}${v.summary}`,
    )
    .join('\n');
}

/** The verbs that act on the local stack only, as the usage names them: `changes, command and send`. */
function localOnlyVerbs(): string {
  const names = Object.entries(VERBS)
    .filter(([, v]) => v.localOnly)
    .map(([name]) => name);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names.join('');
}

export const USAGE = `npm run ops -- <command> [options]

Commands (local stack; start it with npm start):
${verbLines()}

Options:
  --data-dir DIR         the local stack's data folder (default .local)
  --aws                  act on a deployed stage instead (every verb but ${localOnlyVerbs()}; AWS
                         credentials and region from the usual variables or profile)
  --stage NAME           which stage with --aws (default ${DEFAULT_STAGE}); its resources are found by their tags
  --endpoint-url URL     with --aws: send every AWS call there (moto, LocalStack)
  --json                 machine-readable output`;

/** Every verb's flags: the first parse finds the verb wherever flags stand; the second holds it to its own. */
const ALL_OPTIONS = Object.assign({}, COMMON_OPTIONS, ...Object.values(VERBS).map((v) => v.options ?? {}));

/**
 * `npm run ops`: resolves to the exit code. `providers` is the registry (tests pass one with an extra provider).
 *
 * @example
 * const code = await main(['dlq', 'github', '--json', '--data-dir', dir], io);
 */
export function opsMain(providers: readonly ProviderDefinition[] = listed) {
  return cliMain(USAGE, async (argv, io: CliIO) => {
    const [name] = parseCli(argv, { options: ALL_OPTIONS, allowPositionals: true }).positionals;
    if (!name) throw new UsageError('missing a command');
    const verb = Object.hasOwn(VERBS, name) ? VERBS[name] : undefined;
    if (!verb) throw new UsageError(`unknown command ${name}`);
    const { values, positionals } = parseCli(argv, {
      options: { ...COMMON_OPTIONS, ...verb.options },
      allowPositionals: true,
    });
    const ctx = new OpsContext(
      positionals.slice(1),
      { ...values, 'data-dir': resolve(values['data-dir']) },
      io,
      providers,
    );
    if (verb.localOnly && ctx.aws) throw new UsageError(`${name} acts on the local stack only: drop --aws`);
    return verb.run(ctx);
  });
}

export const main = opsMain();
