import { parseArgs } from 'node:util';
import { secretValues } from '../lambdas/core/secret-values';
import { getProvider } from '../lambdas/providers';
import { DEFAULT_STAGE, secretPrefix, stackName } from '../lib/stages';
import { smokeCheck } from './smoke/check';

const USAGE = `npx tsx bin/smoke.ts [--stage NAME] [--url URL] [--ref TEXT] [--json]

Sends one signed Standard Webhooks test event to a deployed stage's \`standard\` webhook and expects 200.
  --stage NAME   the stage (default ${DEFAULT_STAGE}): stack IntegrationStack-<stage>
  --url URL      the webhook URL; default SMOKE_WEBHOOK_URL, else the stack output WebhookUrlstandard
  --ref TEXT     put in the event (the pipeline passes the commit)
The signing secret: SMOKE_WEBHOOK_SECRET, else Secrets Manager <stage>/standard/webhookSecret.
AWS credentials and region come from the usual variables or profile.`;

const { values } = parseArgs({
  options: {
    stage: { type: 'string', default: DEFAULT_STAGE },
    url: { type: 'string' },
    ref: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const stage = values.stage!;
const standard = getProvider('standard')!;
const secretName = standard.webhook!.secret;

async function webhookUrl(): Promise<string> {
  const given = values.url ?? process.env.SMOKE_WEBHOOK_URL;
  if (given) return given;
  const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
  const { readOutputs } = await import('./ops/aws-target');
  const url = (await readOutputs(new CloudFormationClient({}), stackName(stage))).WebhookUrlstandard;
  if (!url) throw new Error(`stack ${stackName(stage)} has no output WebhookUrlstandard`);
  return url;
}

async function signingSecret(): Promise<string> {
  const raw = process.env.SMOKE_WEBHOOK_SECRET || (await fromSecretsManager());
  // The first value of a rotation list is the one the sender signs with.
  const secret = secretValues(raw)[0];
  if (!secret)
    throw new Error(`no signing secret: set SMOKE_WEBHOOK_SECRET or ${secretPrefix(stage)}/standard/${secretName}`);
  return secret;
}

async function fromSecretsManager(): Promise<string> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const res = await new SecretsManagerClient({}).send(
    new GetSecretValueCommand({ SecretId: `${secretPrefix(stage)}/standard/${secretName}` }),
  );
  return res.SecretString ?? '';
}

try {
  const result = await smokeCheck({ url: await webhookUrl(), secret: await signingSecret(), ref: values.ref });
  if (values.json) console.log(JSON.stringify({ stage, ...result }));
  else
    console.log(
      `smoke ${stage}: ${result.ok ? 'OK' : 'FAILED'}, HTTP ${result.status ?? '-'} after ${result.attempts} attempt(s), event ${result.eventId}: ${result.detail}`,
    );
  process.exit(result.ok ? 0 : 1);
} catch (err) {
  console.error(`smoke ${stage}: ${(err as Error).message}`);
  process.exit(2);
}
