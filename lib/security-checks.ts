import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, type NagPack, ServerlessChecks } from 'cdk-nag';

const registered = new WeakMap<App, NagPack[]>();

/**
 * cdk-nag's AWS Solutions, Serverless and NIST 800-53 rev 5 rules over the whole app, through CDK's policy
 * validation: every `cdk synth` and `cdk deploy` fails on an unacknowledged error and prints warnings. The one
 * place the packs are applied. Acknowledgements sit next to the resource they concern
 * (`Validations.of(construct).acknowledge({ id, reason })`, shared ones in lib/acknowledgements.ts), never on a
 * stack; test/infra/nag.test.ts holds every stage to zero errors and zero warnings in all three.
 *
 * @example
 * const app = new App();
 * addSecurityChecks(app).flatMap((pack) => pack.validateScope(app).violations); // [] when clean
 */
export function addSecurityChecks(app: App): NagPack[] {
  let packs = registered.get(app);
  if (!packs) {
    packs = [new AwsSolutionsChecks(app), new ServerlessChecks(app), new NIST80053R5Checks(app)];
    Validations.of(app).addPlugins(...packs);
    registered.set(app, packs);
  }
  return packs;
}
