/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` from the repository root. The stack is
 * environment-agnostic (account and region are deploy-time tokens), so synth needs no AWS access.
 * See cdk/README.md for the context keys.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { releaseGatePropsFromContext } from './app-context.js';
import { ReleaseGateStack } from './release-gate-stack.js';

const app = new App();
const stackName = app.node.tryGetContext('stackName') as string | undefined;
new ReleaseGateStack(app, stackName ?? 'ReleaseGate', {
  releaseGate: releaseGatePropsFromContext((key) => app.node.tryGetContext(key)),
});
// cdk-nag's AWS Solutions rules run at synth: an unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
