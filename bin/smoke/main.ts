import { secretValues } from '../../lambdas/core/secret-values';
import { getProvider } from '../../lambdas/providers';
import { DEFAULT_STAGE, secretPrefix, stackName } from '../../lib/stages';
import { type CliIO, cliMain, parseCli } from '../cli/main';
import { smokeCheck } from './check';

export const USAGE = `npx tsx bin/smoke.ts [--stage NAME] [--url URL] [--ref TEXT] [--json]

Sends one signed Standard Webhooks test event to a deployed stage's \`standard\` webhook and expects 200.
  --stage NAME   the stage (default ${DEFAULT_STAGE}): stack IntegrationStack-<stage>
  --url URL      the webhook URL; default SMOKE_WEBHOOK_URL, else the stack output WebhookUrlstandard
  --ref TEXT     put in the event (the pipeline passes the commit)
The signing secret: SMOKE_WEBHOOK_SECRET, else Secrets Manager <stage>/standard/webhookSecret.
AWS credentials and region come from the usual variables or profile.
Exit code: 0 on 200, 1 when the stage answered otherwise or could not be reached, 2 on bad usage.`;

const OPTIONS = {
  stage: { type: 'string', default: DEFAULT_STAGE },
  url: { type: 'string' },
  ref: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

async function webhookUrl(stage: string, given: string | undefined): Promise<string> {
  if (given) return given;
  const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
  const { readOutputs } = await import('../ops/aws-target');
  const url = (await readOutputs(new CloudFormationClient({}), stackName(stage))).WebhookUrlstandard;
  if (!url) throw new Error(`stack ${stackName(stage)} has no output WebhookUrlstandard`);
  return url;
}

async function signingSecret(stage: string, env: CliIO['env']): Promise<string> {
  const name = `${secretPrefix(stage)}/standard/${getProvider('standard')!.webhook!.secret}`;
  const raw = env.SMOKE_WEBHOOK_SECRET || (await fromSecretsManager(name));
  // The first value of a rotation list is the one the sender signs with.
  const secret = secretValues(raw)[0];
  if (!secret) throw new Error(`no signing secret: set SMOKE_WEBHOOK_SECRET or ${name}`);
  return secret;
}

async function fromSecretsManager(secretId: string): Promise<string> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const res = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretId }));
  return res.SecretString ?? '';
}

/**
 * The deploy pipeline's smoke check of a stage: resolves to the exit code.
 *
 * @example
 * const code = await main(['--stage', 'staging', '--json'], { ...io, env: { SMOKE_WEBHOOK_URL: url, SMOKE_WEBHOOK_SECRET: secret } });
 */
export const main = cliMain(USAGE, async (argv, io) => {
  const { values } = parseCli(argv, { options: OPTIONS });
  const stage = values.stage;
  try {
    const url = await webhookUrl(stage, values.url ?? io.env.SMOKE_WEBHOOK_URL);
    const result = await smokeCheck({ url, secret: await signingSecret(stage, io.env), ref: values.ref });
    const line = `smoke ${stage}: ${result.ok ? 'OK' : 'FAILED'}, HTTP ${result.status ?? '-'} after ${result.attempts} attempt(s), event ${result.eventId}: ${result.detail}`;
    io.stdout.write(`${values.json ? JSON.stringify({ stage, ...result }) : line}\n`);
    return result.ok ? 0 : 1;
  } catch (err) {
    throw new Error(`smoke ${stage}: ${(err as Error).message}`);
  }
});
