import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

const registered = new WeakMap<App, AwsSolutionsChecks>();

/**
 * cdk-nag's AWS Solutions rules over the whole app, through CDK's policy validation: every `cdk synth` and
 * `cdk deploy` fails on an unacknowledged error and prints warnings. Acknowledgements sit next to the resource
 * they concern (`Validations.of(construct).acknowledge({ id, reason })`), never on a stack.
 * test/infra/nag.test.ts holds every stage to zero errors and zero warnings.
 *
 * @example
 * const app = new App();
 * addSecurityChecks(app).validateScope(app).violations; // [] when clean
 */
export function addSecurityChecks(app: App): AwsSolutionsChecks {
  let pack = registered.get(app);
  if (!pack) {
    pack = new AwsSolutionsChecks(app);
    Validations.of(app).addPlugins(pack);
    registered.set(app, pack);
  }
  return pack;
}
