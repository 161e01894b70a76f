import { Duration, Stack } from 'aws-cdk-lib';
import { type CfnDashboard, Dashboard, type IAlarm, type IWidget, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { alarmStatus, LazyWidget } from './dashboard-widgets';

export interface DashboardsProps {
  /** `<prefix>-integrations` is the first dashboard, `<prefix>-integrations-2` the next, and so on. */
  prefix: string;
  /**
   * Provider sections per dashboard. About 15 widgets and 12 KB of body each: 10 keep a dashboard far from
   * CloudWatch's 500 widgets and 2,500 metrics, and its body near 150 KB whatever the provider count.
   */
  providersPerDashboard: number;
}

interface Page {
  dashboard: Dashboard;
  health: IAlarm[];
  /** Where the dashboard is: the observability construct, or a nested stack's for that stack's providers. */
  scope: Construct;
  providers: number;
}

/**
 * The stack's CloudWatch dashboards: the first opens with the overview (every provider's health and the API's
 * alarms, firing first), then provider sections; every `providersPerDashboard` providers start another dashboard,
 * which opens with its providers' health.
 *
 * @example
 * const dashboards = new IntegrationDashboards(observability, { prefix: 'IntegrationStack-prod', providersPerDashboard: 10 }, () => overview);
 * dashboards.addProvider(healthAlarm, () => providerSection(namespace, state, alarms));
 */
export class IntegrationDashboards {
  private readonly pages: Page[] = [];

  constructor(
    private readonly scope: Construct,
    private readonly props: DashboardsProps,
    overview: (more: string[]) => IWidget[][],
  ) {
    const first = this.page(scope);
    first.dashboard.addWidgets(new LazyWidget(() => overview(this.names.slice(1))));
  }

  /** Every dashboard's name, the first (the overview) first. */
  get names(): string[] {
    return this.pages.map((_, i) => this.nameOf(i));
  }

  private nameOf(index: number): string {
    return `${this.props.prefix}-integrations${index === 0 ? '' : `-${index + 1}`}`;
  }

  private page(scope: Construct): Page {
    const index = this.pages.length;
    const dashboard = new Dashboard(scope, index === 0 ? 'Dashboard' : `Dashboard${index + 1}`, {
      dashboardName: this.nameOf(index),
      defaultInterval: Duration.hours(3),
    });
    // cfn-lint 1.51's us-east-1 schema predates dashboard Tags, which CloudFormation and CDK accept (docs/security.md).
    (dashboard.node.defaultChild as CfnDashboard).addMetadata('cfn-lint', { config: { ignore_checks: ['E3002'] } });
    const page: Page = { dashboard, health: [], scope, providers: 0 };
    this.pages.push(page);
    if (index > 0) dashboard.addWidgets(new LazyWidget(() => this.header(index, page)));
    return page;
  }

  /** The top of a dashboard after the first: what it holds, and its providers' health, firing first. */
  private header(index: number, page: Page): IWidget[][] {
    const markdown = `# ${this.nameOf(index)}: providers, ${index + 1} of ${this.pages.length}\nThe overview, with the API and every provider's health, is \`${this.nameOf(0)}\`.`;
    return [
      [new TextWidget({ markdown, width: 24, height: 2 })],
      ...alarmStatus('Providers, firing first', page.health),
    ];
  }

  /**
   * Adds one provider's section (built at synth) to the last dashboard, with its health alarm; a full dashboard, or
   * one in another stack than `scope`'s, starts the next, so a nested stack's providers share dashboards of its own.
   */
  addProvider(health: IAlarm, section: () => IWidget[][], scope: Construct = this.scope): void {
    const last = this.pages[this.pages.length - 1]!;
    const fits = last.providers < this.props.providersPerDashboard && Stack.of(last.scope) === Stack.of(scope);
    const page = fits ? last : this.page(scope);
    page.providers += 1;
    page.health.push(health);
    page.dashboard.addWidgets(new LazyWidget(section));
  }
}
