import { describe, expect, it } from 'vitest';
import {
  metricsNamespace,
  parseStage,
  secretPrefix,
  stackName,
  stageConfig,
  stageEnv,
  STAGE_NAMES,
  type StageInput,
} from '../../lib/stages';

const base: StageInput = {
  name: 'qa',
  removal: 'destroy',
  logRetentionDays: 7,
  throttle: { rateLimit: 10, burstLimit: 20 },
};

describe('the stage file (lib/stages.ts)', () => {
  it('defines dev, staging and prod; dev is the default and may destroy, prod retains', () => {
    expect(STAGE_NAMES).toEqual(['dev', 'staging', 'prod']);
    expect(stageConfig().name).toBe('dev');
    expect(stageConfig('dev')).toMatchObject({ removal: 'destroy', autoDeleteObjects: true, sunsetWarningDays: 30 });
    expect(stageConfig('prod')).toMatchObject({ removal: 'retain', autoDeleteObjects: false, sunsetWarningDays: 60 });
    expect([stackName('prod'), secretPrefix('prod'), metricsNamespace('prod')]).toEqual([
      'IntegrationStack-prod',
      'prod',
      'IntegrationStack/prod',
    ]);
  });

  it('fills defaults for what a stage leaves out', () => {
    expect(parseStage(base)).toMatchObject({
      autoDeleteObjects: false,
      archiveRetentionDays: 7,
      sunsetWarningDays: 30,
      alarms: {},
      oncall: { emails: [], urls: [] },
      tags: {},
      tracing: false,
      logLevel: 'INFO',
    });
  });

  it('refuses an unknown stage by name, listing the known ones', () => {
    expect(() => stageConfig('qa')).toThrow('unknown stage "qa"; one of dev, staging, prod (lib/stages.ts)');
  });

  it.each([
    ['a prod that destroys its data', { ...base, name: 'prod' }, /prod must retain its data/],
    [
      'auto-delete on a retained bucket',
      { ...base, removal: 'retain', autoDeleteObjects: true },
      /autoDeleteObjects needs removal: destroy/,
    ],
    [
      'a log retention CloudWatch does not offer',
      { ...base, logRetentionDays: 10 },
      /one of 1, 3, 5, 7, 14[\s\S]*at logRetentionDays/,
    ],
    ['an alarm rule that does not exist', { ...base, alarms: { 'no-such-alarm': { threshold: 1 } } }, /alarms/],
    ['an unknown setting (a typo)', { ...base, logRetention: 7 }, /logRetention/],
    ['an on-call address that is not one', { ...base, oncall: { emails: ['oncall'] } }, /oncall\.emails/],
    ['a plain-http paging endpoint', { ...base, oncall: { urls: ['http://pager.example.com/hook'] } }, /oncall\.urls/],
    ['an upper-case name', { ...base, name: 'QA' }, /name/],
  ])('rejects %s, naming the field', (_what, input, message) => {
    expect(() => parseStage(input as StageInput)).toThrow(message);
  });

  it('takes account and region from the stage file first, then the standard CDK variables, else none', () => {
    const pinned = parseStage({ ...base, account: '123456789012', region: 'eu-west-1' });
    expect(stageEnv(pinned, { CDK_DEFAULT_ACCOUNT: '999999999999', CDK_DEFAULT_REGION: 'us-east-1' })).toEqual({
      account: '123456789012',
      region: 'eu-west-1',
    });
    expect(
      stageEnv(parseStage(base), { CDK_DEFAULT_ACCOUNT: '999999999999', CDK_DEFAULT_REGION: 'us-east-1' }),
    ).toEqual({ account: '999999999999', region: 'us-east-1' });
    expect(stageEnv(parseStage(base), {})).toBeUndefined();
    expect(() => parseStage({ ...base, account: '1234' })).toThrow(/12-digit/);
  });
});
