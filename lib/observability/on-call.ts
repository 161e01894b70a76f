import type { IConstruct } from 'constructs';

export interface OnCallProps {
  /** Email addresses subscribed to the on-call topic (each confirms by mail). */
  emails?: string[];
  /** HTTPS endpoints subscribed to the on-call topic (paging services' SNS integrations). */
  urls?: string[];
}

/** A context value as a list: `-c key=a,b` or an array in cdk.json; items comma-split, trimmed, blanks dropped. */
function contextList(scope: IConstruct, key: string): string[] {
  return [scope.node.tryGetContext(key) ?? []]
    .flat()
    .flatMap((v: unknown) => String(v).split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * Who is paged: the stage's subscriptions plus those given at deploy time (`-c oncallEmails=a@x.com,b@x.com`,
 * `-c oncallUrls=https://...`). The one place the on-call context is read.
 *
 * @example
 * onCallSubscriptions(stack, stageConfig('prod').oncall) // { emails: [...stage's, ...context's], urls: [...] }
 */
export function onCallSubscriptions(scope: IConstruct, stage: OnCallProps = {}): Required<OnCallProps> {
  return {
    emails: [...(stage.emails ?? []), ...contextList(scope, 'oncallEmails')],
    urls: [...(stage.urls ?? []), ...contextList(scope, 'oncallUrls')],
  };
}

/** Where alarm descriptions link runbooks: `-c runbookBaseUrl=https://git.example.com/stack/blob/main/`, else none. */
export function runbookBaseUrlOf(scope: IConstruct): string | undefined {
  return scope.node.tryGetContext('runbookBaseUrl') as string | undefined;
}
