/**
 * Where an AWS call goes without an endpoint override, as the SDK's endpoint rules resolve it for the five services
 * the Lambda adapters call. Written here because the SDK's resolver (its partition table, rule engine and each
 * service's rules) adds about 20 KB per service to every cold start; test/adapters/aws-endpoints.test.ts compares
 * every region of every partition, with and without FIPS and dual-stack, against the SDK's own resolvers.
 */

/** A partition's DNS suffixes, as the SDK's partitions table (`@aws-sdk/core`) has them. */
interface Partition {
  name: string;
  regionRegex: RegExp;
  dnsSuffix: string;
  dualStackDnsSuffix: string;
}

// In the SDK's order: the first whose pattern matches the region; a region none matches is `aws`'s.
const PARTITIONS: readonly Partition[] = [
  {
    name: 'aws',
    regionRegex: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/,
    dnsSuffix: 'amazonaws.com',
    dualStackDnsSuffix: 'api.aws',
  },
  {
    name: 'aws-cn',
    regionRegex: /^cn-\w+-\d+$/,
    dnsSuffix: 'amazonaws.com.cn',
    dualStackDnsSuffix: 'api.amazonwebservices.com.cn',
  },
  {
    name: 'aws-eusc',
    regionRegex: /^eusc-(de)-\w+-\d+$/,
    dnsSuffix: 'amazonaws.eu',
    dualStackDnsSuffix: 'api.amazonwebservices.eu',
  },
  { name: 'aws-iso', regionRegex: /^us-iso-\w+-\d+$/, dnsSuffix: 'c2s.ic.gov', dualStackDnsSuffix: 'api.aws.ic.gov' },
  {
    name: 'aws-iso-b',
    regionRegex: /^us-isob-\w+-\d+$/,
    dnsSuffix: 'sc2s.sgov.gov',
    dualStackDnsSuffix: 'api.aws.scloud',
  },
  {
    name: 'aws-iso-e',
    regionRegex: /^eu-isoe-\w+-\d+$/,
    dnsSuffix: 'cloud.adc-e.uk',
    dualStackDnsSuffix: 'api.cloud-aws.adc-e.uk',
  },
  {
    name: 'aws-iso-f',
    regionRegex: /^us-isof-\w+-\d+$/,
    dnsSuffix: 'csp.hci.ic.gov',
    dualStackDnsSuffix: 'api.aws.hci.ic.gov',
  },
  { name: 'aws-us-gov', regionRegex: /^us-gov-\w+-\d+$/, dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' },
];

/** The partition a region belongs to (`aws` for a region no pattern knows, as the SDK answers). */
export function partitionOf(region: string): Partition {
  return PARTITIONS.find((p) => p.regionRegex.test(region)) ?? PARTITIONS[0]!;
}

/** The services the Lambda adapters call, by their endpoint prefix. */
export type AwsService = 'sqs' | 'dynamodb' | 's3' | 'secretsmanager' | 'events';

export interface EndpointVariant {
  /** AWS_USE_FIPS_ENDPOINT=true. */
  fips: boolean;
  /** AWS_USE_DUALSTACK_ENDPOINT=true. */
  dualStack: boolean;
}

/** The variant the environment asks for, read as the SDK reads it. */
export function variantFromEnv(env: Record<string, string | undefined> = process.env): EndpointVariant {
  return { fips: env.AWS_USE_FIPS_ENDPOINT === 'true', dualStack: env.AWS_USE_DUALSTACK_ENDPOINT === 'true' };
}

/** Where a service's rules leave the generic pattern: GovCloud's FIPS hosts, Secrets Manager's dual-stack. */
function exception(service: AwsService, region: string, p: Partition, v: EndpointVariant): string | undefined {
  // In GovCloud the regular SQS and DynamoDB hosts are the FIPS ones; EventBridge's are in its first two regions,
  // and its dual-stack hosts in every GovCloud region.
  if (v.fips && !v.dualStack && p.name === 'aws-us-gov' && (service === 'sqs' || service === 'dynamodb'))
    return `${service}.${region}.amazonaws.com`;
  if (v.fips && service === 'events' && p.name === 'aws-us-gov') {
    if (v.dualStack) return `events.${region}.${p.dualStackDnsSuffix}`;
    if (region === 'us-gov-east-1' || region === 'us-gov-west-1') return `events.${region}.${p.dnsSuffix}`;
  }
  // Secrets Manager answers on its IPv4 hosts in these partitions even when dual-stack is asked for.
  if (service === 'secretsmanager' && v.dualStack) {
    if (p.name === 'aws' || p.name === 'aws-us-gov')
      return `secretsmanager${v.fips ? '-fips' : ''}.${region}.amazonaws.com`;
    if (p.name === 'aws-cn' && !v.fips) return `secretsmanager.${region}.amazonaws.com.cn`;
  }
  return undefined;
}

/**
 * A service's regional host, as the SDK resolves it with no endpoint override: the partition's DNS suffix (China,
 * GovCloud, the ISO and sovereign partitions), the `-fips` host, the dual-stack host, and each service's exceptions.
 *
 * @example
 * serviceHost('sqs', 'eu-west-1', { fips: false, dualStack: true }) // 'sqs.eu-west-1.api.aws'
 */
export function serviceHost(service: AwsService, region: string, v: EndpointVariant = variantFromEnv()): string {
  const p = partitionOf(region);
  const special = exception(service, region, p, v);
  if (special) return special;
  const name = v.fips ? `${service}-fips` : service;
  // S3 keeps its own dual-stack label under the partition's regular suffix.
  if (service === 's3') {
    if (v.fips && p.name === 'aws-cn') throw new Error(`S3 has no FIPS endpoint in ${region} (partition aws-cn)`);
    return v.dualStack ? `${name}.dualstack.${region}.${p.dnsSuffix}` : `${name}.${region}.${p.dnsSuffix}`;
  }
  return `${name}.${region}.${v.dualStack ? p.dualStackDnsSuffix : p.dnsSuffix}`;
}
