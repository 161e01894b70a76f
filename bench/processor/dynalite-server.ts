import { startDynamo } from '../../local/dynamo';

/**
 * dynalite in its own process, as the local stack runs it (in memory, the stack's tables), so the
 * store and the processor under test do not share a core: in AWS, DynamoDB is not on the Lambda's CPU.
 * Prints `{ endpoint }` when ready; stops on SIGTERM.
 */
const dynamo = await startDynamo();
console.log(JSON.stringify({ endpoint: dynamo.endpoint }));
process.on('SIGTERM', () => {
  void dynamo.close().finally(() => process.exit(0));
});
