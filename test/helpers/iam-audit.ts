import { list, ofType, render, type StageSynth } from './stage-stacks';

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** A wildcard (`*` in an action or a resource) that is allowed, and why. */
export interface Allowance {
  /** Every action of the statement must match. */
  actions: RegExp;
  resource: RegExp;
  reason: string;
}

/** Every identity-policy statement of every role: attached policies (AWS::IAM::Policy) and inline ones. */
export function roleStatements(s: StageSynth): Map<string, Statement[]> {
  const byRole = new Map<string, Statement[]>();
  const add = (role: string, statements: Statement[]) => byRole.set(role, [...(byRole.get(role) ?? []), ...statements]);
  for (const [id, role] of ofType(s, 'AWS::IAM::Role')) {
    add(
      id,
      list(role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
        (p) => p.PolicyDocument.Statement,
      ),
    );
  }
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [, policy] of ofType(s, type)) {
      for (const { Ref } of list(policy.Properties.Roles as { Ref: string }[]))
        add(Ref, policy.Properties.PolicyDocument.Statement as Statement[]);
    }
  }
  return byRole;
}

/** AWS managed policies attached to each role, by name (`service-role/AWSLambdaBasicExecutionRole`). */
export function managedPolicies(s: StageSynth): Map<string, string[]> {
  return new Map(
    ofType(s, 'AWS::IAM::Role').map(([id, role]) => [
      id,
      list(role.Properties.ManagedPolicyArns).map((arn) => render(arn).replace(/^.*:iam::aws:policy\//, '')),
    ]),
  );
}

/**
 * Every wildcard an Allow statement grants that no allowance covers, and every Allow with NotAction or
 * NotResource (which grant everything else): `<role>: <actions> on <resource>`.
 */
export function wildcardFindings(s: StageSynth, allowances: readonly Allowance[]): string[] {
  const findings: string[] = [];
  for (const [role, statements] of roleStatements(s)) {
    for (const st of statements.filter((x) => x.Effect === 'Allow')) {
      if (st.NotAction || st.NotResource) findings.push(`${role}: Allow with NotAction/NotResource`);
      const actions = list(st.Action);
      for (const action of actions.filter((a) => a.includes('*'))) findings.push(`${role}: action ${action}`);
      for (const resource of list(st.Resource)
        .map(render)
        .filter((r) => r.includes('*'))) {
        const allowed = allowances.some((a) => a.resource.test(resource) && actions.every((x) => a.actions.test(x)));
        if (!allowed) findings.push(`${role}: ${actions.join(',')} on ${resource}`);
      }
    }
  }
  return findings;
}

export interface FunctionAccess {
  id: string;
  /** POWERTOOLS_SERVICE_NAME: the handler (webhook-ingest, event-processor, command-accept, command-writer, ...). */
  kind?: string;
  provider?: string;
  role: string;
  logGroup?: string;
  /** What the role's Allow statements grant, per rendered resource. */
  grants: Map<string, Set<string>>;
  /** The Condition of each Allow statement that names the resource (undefined for a statement without one). */
  conditions: Map<string, unknown[]>;
}

/** Every Lambda function with its role's allowed actions per resource. */
export function functionAccess(s: StageSynth): FunctionAccess[] {
  const statements = roleStatements(s);
  return ofType(s, 'AWS::Lambda::Function').map(([id, fn]) => {
    const vars = (fn.Properties.Environment?.Variables ?? {}) as Record<string, string>;
    const role = render(fn.Properties.Role).replace(/^<(.+)\.Arn>$/, '$1');
    const grants = new Map<string, Set<string>>();
    const conditions = new Map<string, unknown[]>();
    for (const st of (statements.get(role) ?? []).filter((x) => x.Effect === 'Allow')) {
      for (const resource of list(st.Resource).map(render)) {
        const actions = grants.get(resource) ?? new Set<string>();
        for (const a of list(st.Action)) actions.add(a);
        grants.set(resource, actions);
        conditions.set(resource, [...(conditions.get(resource) ?? []), st.Condition]);
      }
    }
    const logGroup = fn.Properties.LoggingConfig?.LogGroup
      ? render(fn.Properties.LoggingConfig.LogGroup).replace(/^<(.+)>$/, '$1')
      : undefined;
    return { id, kind: vars.POWERTOOLS_SERVICE_NAME, provider: vars.PROVIDER, role, logGroup, grants, conditions };
  });
}

/** `<Id.Arn>/rest` or `<Id>` -> the logical id and what follows it. */
export function target(resource: string): { id: string; rest: string } | undefined {
  const m = /^<([A-Za-z0-9]+)(?:\.Arn)?>(.*)$/.exec(resource);
  return m ? { id: m[1]!, rest: m[2]! } : undefined;
}

/** IAM's `StringLike`: `*` any run of characters, `?` any one, case-sensitive, the whole value. */
export function stringLike(pattern: string, value: string): boolean {
  const source = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

/**
 * Whether a grant's Condition lets a request whose partition keys are `keys` through, as IAM evaluates
 * `ForAllValues:StringLike` on `dynamodb:LeadingKeys`: every key matches one of the patterns. Any other operator
 * on the key is not one this project writes, so it does not count as a restriction.
 */
export function leadingKeysAllow(condition: unknown, keys: readonly string[]): boolean {
  const patterns = leadingKeyPatterns(condition);
  return patterns === undefined || keys.every((k) => patterns.some((p) => stringLike(p, k)));
}

/** The `ForAllValues:StringLike` patterns on `dynamodb:LeadingKeys` of a Condition; undefined when it has none. */
export function leadingKeyPatterns(condition: unknown): string[] | undefined {
  const like = (condition as Record<string, Record<string, unknown>> | undefined)?.['ForAllValues:StringLike'];
  const patterns = like?.['dynamodb:LeadingKeys'];
  return patterns === undefined ? undefined : list(patterns as string | string[]);
}
