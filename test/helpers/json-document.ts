import { JsonDocumentClient } from '../../lambdas/adapters/dynamodb-json';
import type { LocalDynamo } from '../../local/dynamo';

/** The JSON document client Lambda handlers use, pointed at a test's dynalite (which takes any keys). */
export const jsonDocumentClient = (dynamo: LocalDynamo): JsonDocumentClient =>
  new JsonDocumentClient({
    endpoint: dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
