import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

export interface TableBackupsProps {
  tables: readonly ITable[];
  /** Days each daily recovery point is kept. */
  retentionDays: number;
  /** Of the vault (it cannot be deleted while it holds recovery points). */
  removalPolicy: RemovalPolicy;
}

/**
 * Daily AWS Backup copies of the stack's tables, beyond point-in-time recovery's 35 days: kept `retentionDays` in a
 * vault of their own whose access policy lets no one delete a recovery point before it expires, so a principal that
 * may delete a table or turn its point-in-time recovery off cannot take the backups with it.
 *
 * @example
 * new TableBackups(stack, 'Backups', { tables: Object.values(stack.tables), retentionDays: 90, removalPolicy });
 */
export class TableBackups extends Construct {
  readonly vault: BackupVault;
  readonly plan: BackupPlan;

  constructor(scope: Construct, id: string, props: TableBackupsProps) {
    super(scope, id);
    this.vault = new BackupVault(this, 'Vault', {
      removalPolicy: props.removalPolicy,
      blockRecoveryPointDeletion: true,
    });
    this.plan = new BackupPlan(this, 'Plan', {
      backupVault: this.vault,
      backupPlanRules: [
        new BackupPlanRule({
          ruleName: 'daily',
          scheduleExpression: Schedule.cron({ hour: '3', minute: '0' }),
          deleteAfter: Duration.days(props.retentionDays),
        }),
      ],
    });
    const selection = this.plan.addSelection('Tables', {
      resources: props.tables.map((t) => BackupResource.fromDynamoDbTable(t)),
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'AWS Backup assumes this role to back the tables up; AWSBackupServiceRolePolicyForBackup is the policy AWS maintains for that (it follows the service as it adds permissions), and the role serves no one else.',
    });
  }
}
