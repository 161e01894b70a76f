import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toJSONSchema } from 'zod';
import { changeEventSchema } from '../../lambdas/core/changes/schema';

const FILE = join(process.cwd(), 'docs', 'change-event.schema.json');
// The published file, generated from the zod schema (the single source): `UPDATE_SCHEMA=1` rewrites it.
const generated = `${JSON.stringify(
  {
    ...toJSONSchema(changeEventSchema, { target: 'draft-7' }),
    $id: 'https://github.com/integration-stack/docs/change-event.schema.json',
    title: 'Change event (EventBridge)',
  },
  null,
  2,
)}\n`;

describe('the published JSON Schema of change events', () => {
  it('is exactly what the zod schema generates (UPDATE_SCHEMA=1 npx vitest run test/docs/change-event-schema.test.ts rewrites it)', () => {
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(FILE, generated);
    // Compared as JSON: Biome formats the file.
    expect(JSON.parse(readFileSync(FILE, 'utf8'))).toEqual(JSON.parse(generated));
  });

  it('describes the envelope and the detail consumers get', () => {
    const schema = JSON.parse(generated) as {
      required: string[];
      properties: { detail: { required: string[]; properties: Record<string, unknown> } };
    };
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'detail-type', 'source', 'time', 'detail']));
    expect(schema.properties.detail.required).toEqual(
      expect.arrayContaining(['eventId', 'provider', 'type', 'key', 'version', 'change', 'changed']),
    );
    expect(Object.keys(schema.properties.detail.properties)).toEqual(
      expect.arrayContaining(['record', 'recordUrl', 'origin', 'writtenAt']),
    );
  });
});
