import { startDynamo } from '../local/dynamo';

// dynalite in a process of its own, as DynamoDB is remote: its CPU does not compete with the sync's.
const dynamo = await startDynamo();
process.send?.({ endpoint: dynamo.endpoint });
process.on('disconnect', () => void dynamo.close().then(() => process.exit(0)));
