import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpApi, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/core/env-contract';
import { acknowledgeTrigger } from './acknowledgements';
import { HandlerFunction } from './lambda-function';

export interface RecordsApiProps {
  api: HttpApi;
  namespace: string;
  tables: { records: ITable; checkpoints: ITable; gaps: ITable; quarantine: ITable };
}

/**
 * `GET /records/{provider}/{type}` (IAM-authorised): the last known data with its fetch time, served from
 * the records table whether or not the provider is up. Reads only: single items and a bounded scan of
 * the records table, one checkpoint per poll for `lastSyncedAt`.
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
    });
    acknowledgeTrigger(this.reader, 'api');
    tables.records.grant(this.reader, 'dynamodb:GetItem', 'dynamodb:Scan');
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
