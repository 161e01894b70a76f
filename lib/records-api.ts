import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpApi, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/core/env-contract';
import { type ProviderDefinition, type RecordPolls, recordPollsOf } from '../lambdas/core/provider';
import { RECORDS_BY_PROVIDER } from '../lambdas/core/tables';
import { acknowledgeTrigger } from './acknowledgements';
import { HandlerFunction } from './lambda-function';

/**
 * What the records API's bundle has compiled in: its polls catalogue. In the bundle, not the environment: one entry
 * per provider would pass Lambda's 4 KB of variables in a stack of many providers.
 */
export const recordsReaderDefines = (polls: RecordPolls): Record<string, string> => ({
  [`process.env.${ENV.recordPolls}`]: JSON.stringify(JSON.stringify(polls)),
});

export interface RecordsApiProps {
  api: HttpApi;
  namespace: string;
  tables: { records: ITable; checkpoints: ITable; gaps: ITable; quarantine: ITable };
  /** The stack's providers: the API answers for these, and reads their polls' checkpoints. */
  providers: readonly ProviderDefinition[];
}

/**
 * `GET /records/{provider}/{type}` (IAM-authorised): the last known data with its fetch time, served from
 * the records table whether or not the provider is up. Reads only: items by key, a page of keys from the
 * records table's provider index, one checkpoint per poll for `lastSyncedAt`.
 *
 * @example
 * const reads = new RecordsApi(stack, 'Records', { api, tables });
 * reads.grantRead(dashboardRole);
 */
export class RecordsApi extends Construct {
  readonly reader: HandlerFunction;
  readonly route: HttpRoute;

  constructor(scope: Construct, id: string, props: RecordsApiProps) {
    super(scope, id);
    const { tables } = props;
    this.reader = new HandlerFunction(this, 'Reader', {
      handler: 'records-read',
      timeout: Duration.seconds(10),
      environment: {
        [ENV.namespace]: props.namespace,
        [ENV.recordsTable]: tables.records.tableName,
        [ENV.checkpointsTable]: tables.checkpoints.tableName,
        [ENV.gapsTable]: tables.gaps.tableName,
        [ENV.quarantineTable]: tables.quarantine.tableName,
      },
      defines: recordsReaderDefines(recordPollsOf(props.providers)),
    });
    acknowledgeTrigger(this.reader, 'api');
    // Items by key, and the provider index's keys (Query on that index alone: no Scan of the table).
    this.reader.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
        resources: [tables.records.tableArn],
      }),
    );
    this.reader.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${tables.records.tableArn}/index/${RECORDS_BY_PROVIDER}`],
      }),
    );
    tables.checkpoints.grant(this.reader, 'dynamodb:GetItem');
    [this.route] = props.api.addRoutes({
      path: '/records/{provider}/{type}',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration(`${id}Integration`, this.reader),
      // Our own consumers (dashboards, services) sign with SigV4; nothing here is public.
      authorizer: new HttpIamAuthorizer(),
    }) as [HttpRoute];
  }

  /** Lets a principal read records through the route. */
  grantRead(grantee: IGrantable): void {
    this.route.grantInvoke(grantee);
  }
}
