import { printable } from '../../lambdas/core/printable';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { OpsVerb } from './verb';

/** Webhook records carry a version and an event; polled ones the time they were fetched. */
function recordLine(item: Record<string, unknown>): string {
  const when =
    item.fetchedAt !== undefined
      ? `fetched=${new Date(Number(item.fetchedAt)).toISOString()}\tpoll=${String(item.source)}`
      : `version=${new Date(Number(item.version)).toISOString()}\tevent=${String(item.eventId)}`;
  return `${printable(String(item.type), 200)}\t${printable(String(item.key), 200)}\t${printable(when, 400)}`;
}

export const verb: OpsVerb = {
  synopsis: 'records <provider>',
  summary: "list the provider's records (polled ones with their fetch time)",
  run: async (ctx) => {
    const provider = ctx.provider(ctx.args[0]).name;
    const { doc, name } = (await ctx.target()).tables();
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({
          TableName: name('records'),
          ExclusiveStartKey: start,
          FilterExpression: 'provider = :p',
          ExpressionAttributeValues: { ':p': provider },
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const text = (all: Record<string, unknown>[]) => [...all.map(recordLine), `${all.length} record(s)`].join('\n');
    ctx.print(ctx.json ? items.map(({ data: _data, ...rest }) => rest) : items, text);
    return 0;
  },
};
