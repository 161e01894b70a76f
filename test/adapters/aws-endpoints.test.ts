import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { partition } from '@aws-sdk/core/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AwsService, partitionOf, serviceHost, variantFromEnv } from '../../lambdas/adapters/aws-endpoints';

interface SdkPartitions {
  partitions: { id: string; regionRegex: string; regions: Record<string, unknown> }[];
}

/** The SDK's partitions table, from its own module (not exported, so by path): every region it lists, per partition. */
const PARTITIONS_FILE =
  '../../node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/partitions.js';

async function sdkPartitions(): Promise<SdkPartitions> {
  const mod = (await import(/* @vite-ignore */ PARTITIONS_FILE)) as { partitionsInfo: SdkPartitions };
  return mod.partitionsInfo;
}

// Each service's resolver as its client builds it: the SDK's own rules, nothing of ours.
const CLIENTS = {
  sqs: SQSClient,
  dynamodb: DynamoDBClient,
  s3: S3Client,
  secretsmanager: SecretsManagerClient,
  events: EventBridgeClient,
} as const;

type Resolve = (params: Record<string, unknown>, context: object) => { url: URL };

/** The host the SDK resolves for a service (S3 path-style on a bucket, as s3-rest.ts addresses a dotted one). */
function sdkHost(service: AwsService, region: string, fips: boolean, dualStack: boolean): string {
  const client = new CLIENTS[service]({ region });
  const resolve = (client.config as unknown as { endpointProvider: Resolve }).endpointProvider;
  try {
    const params = { Region: region, UseFIPS: fips, UseDualStack: dualStack };
    const { url } = resolve(service === 's3' ? { ...params, Bucket: 'b.x', ForcePathStyle: true } : params, {});
    return url.host;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  } finally {
    client.destroy();
  }
}

function ourHost(service: AwsService, region: string, fips: boolean, dualStack: boolean): string {
  try {
    return serviceHost(service, region, { fips, dualStack });
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

afterEach(() => vi.unstubAllEnvs());

describe('aws-endpoints: hosts as the SDK resolves them', () => {
  it("puts every region the SDK's partitions list in the same partition, and an unknown one in aws", async () => {
    const { partitions } = await sdkPartitions();
    const regions = partitions.flatMap((p) =>
      // `aws-global` and its like are signing pseudo-regions: no Lambda runs in one.
      Object.keys(p.regions).filter((r) => new RegExp(p.regionRegex).test(r)),
    );
    expect(regions.length).toBeGreaterThan(40);
    for (const region of [...regions, 'us-west-9', 'cn-south-7', 'us-gov-central-4', 'moon-1'])
      expect(partitionOf(region).name, region).toBe((partition(region) as { name: string }).name);
    expect(partitions.map((p) => p.id).sort()).toEqual(
      ['aws', 'aws-cn', 'aws-eusc', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-us-gov'].sort(),
    );
  });

  it('names the host the SDK names for each service, region, FIPS and dual-stack, or fails where it fails', async () => {
    const { partitions } = await sdkPartitions();
    const listed = partitions.flatMap((p) => Object.keys(p.regions).filter((r) => new RegExp(p.regionRegex).test(r)));
    // And regions no table lists yet, in every partition, which the rules must place by their name alone.
    const unlisted = ['us-west-9', 'cn-south-7', 'eusc-de-north-3', 'us-iso-north-5', 'us-isob-west-4'];
    const regions = [...listed, ...unlisted, 'eu-isoe-north-2', 'us-isof-west-6', 'us-gov-central-4', 'moon-1'];
    const differ: string[] = [];
    let compared = 0;
    for (const service of Object.keys(CLIENTS) as AwsService[])
      for (const region of regions)
        for (const fips of [false, true])
          for (const dualStack of [false, true]) {
            const sdk = sdkHost(service, region, fips, dualStack);
            const ours = ourHost(service, region, fips, dualStack);
            compared += 1;
            // Where the SDK refuses, ours refuses too (its message is its own).
            const same = sdk.startsWith('error') ? ours.startsWith('error') : ours === sdk;
            if (!same) differ.push(`${service} ${region} fips=${fips} dual=${dualStack}: sdk ${sdk}, ours ${ours}`);
          }
    expect(compared).toBeGreaterThanOrEqual(960 + 9 * 20);
    expect(differ).toEqual([]);
  });

  it('reads the variant from the variables the SDK reads', () => {
    expect(variantFromEnv({})).toEqual({ fips: false, dualStack: false });
    expect(variantFromEnv({ AWS_USE_FIPS_ENDPOINT: 'true', AWS_USE_DUALSTACK_ENDPOINT: 'true' })).toEqual({
      fips: true,
      dualStack: true,
    });
    vi.stubEnv('AWS_USE_DUALSTACK_ENDPOINT', 'true');
    expect(serviceHost('sqs', 'eu-west-1')).toBe('sqs.eu-west-1.api.aws');
  });
});
