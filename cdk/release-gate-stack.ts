import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ReleaseGate, type ReleaseGateProps } from './release-gate.js';

export interface ReleaseGateStackProps extends StackProps {
  /** The gate's own props. @default - ReleaseGate's defaults; functions must then be added with `releaseGate.manage()` */
  readonly releaseGate?: ReleaseGateProps;
}

/** The deployable stack: one ReleaseGate and the outputs a platform team needs after `cdk deploy`. */
export class ReleaseGateStack extends Stack {
  public readonly releaseGate: ReleaseGate;

  constructor(scope: Construct, id: string, props: ReleaseGateStackProps = {}) {
    super(scope, id, { description: 'Release Gate: gated weighted-alias releases for AWS Lambda', ...props });
    this.releaseGate = new ReleaseGate(this, 'ReleaseGate', props.releaseGate);
    const gate = this.releaseGate;
    new CfnOutput(this, 'ApiUrl', { value: gate.apiUrl, description: 'Base URL of the gate API' });
    new CfnOutput(this, 'AdminTokenSecretArn', { value: gate.adminTokenSecret.secretArn, description: 'Secret holding the bootstrap admin token' });
    new CfnOutput(this, 'AdminTokenCommand', { value: gate.adminTokenCommand, description: 'Prints the bootstrap admin token rg_<id>_<secret> (AWS CLI and jq)' });
    new CfnOutput(this, 'NotifyTopicArn', { value: gate.topic.topicArn, description: 'Rollbacks, pauses and alarms' });
    new CfnOutput(this, 'ApiFunctionName', { value: gate.apiFunction.functionName });
    new CfnOutput(this, 'EvaluatorFunctionName', { value: gate.evaluatorFunction.functionName });
    new CfnOutput(this, 'DashboardName', { value: gate.monitoring.dashboard.dashboardName });
    for (const [name, table] of Object.entries(gate.tables)) {
      new CfnOutput(this, `${name.charAt(0).toUpperCase()}${name.slice(1)}TableName`, { value: table.tableName });
    }
  }
}
