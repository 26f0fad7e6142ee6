/**
 * Example: a team's stack with a checkout function released through Release Gate.
 *
 *   npx cdk synth --no-notices --app "npx tsx cdk/examples/gated-checkout.ts"
 *
 * Each deploy publishes a new version of `checkout` (output CandidateVersion); the pipeline then
 * releases it through the gate (output GateUrl):
 *
 *   curl -X POST "$GATE_URL/releases" -H "Authorization: Bearer $TOKEN" \
 *     -d '{"function": "<CheckoutFunctionName>", "alias": "live", "version": "<CandidateVersion>"}'
 */
import { App, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { pathToFileURL } from 'node:url';
import { LAMBDA_RUNTIME } from '../bundling.js';
import { GatedFunction } from '../gated-function.js';
import { ReleaseGate } from '../release-gate.js';

const CHECKOUT_HANDLER = `
exports.handler = async () => ({
  statusCode: 200,
  body: JSON.stringify({ ok: true, version: process.env.AWS_LAMBDA_FUNCTION_VERSION }),
});
`;

export class GatedCheckoutStack extends Stack {
  public readonly gate: ReleaseGate;
  public readonly checkout: GatedFunction;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // No functions by name: the GatedFunction below hands its function to the gate.
    this.gate = new ReleaseGate(this, 'ReleaseGate', { evaluationInterval: Duration.minutes(1) });
    const fn = new lambda.Function(this, 'Checkout', {
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(CHECKOUT_HANDLER),
      logGroup: new logs.LogGroup(this, 'CheckoutLogs', { retention: logs.RetentionDays.ONE_MONTH }),
    });
    this.checkout = new GatedFunction(this, 'GatedCheckout', { lambdaFunction: fn, releaseGate: this.gate });
    new CfnOutput(this, 'GateUrl', { value: this.gate.apiUrl });
    new CfnOutput(this, 'CheckoutFunctionName', { value: fn.functionName });
    new CfnOutput(this, 'CandidateVersion', { value: this.checkout.candidateVersion.version });
    new CfnOutput(this, 'AdminTokenCommand', { value: this.gate.adminTokenCommand });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const app = new App();
  new GatedCheckoutStack(app, 'GatedCheckout');
  app.synth();
}
