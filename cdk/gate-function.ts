import { RemovalPolicy, type Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { LAMBDA_RUNTIME, lambdaBundling, SOURCE_MAP_ENV } from './bundling.js';

export interface GateFunctionProps {
  /** The entry point under functions/, e.g. `gate-api.ts`. */
  readonly entry: string;
  readonly description: string;
  /** Powertools' service name; the same as the Logger's in the entry point. */
  readonly serviceName: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
  readonly logLevel: string;
  readonly reservedConcurrentExecutions?: number | undefined;
}

/** The repository root: the entry points live in ../functions from here. */
const functionsDir = fileURLToPath(new URL('../functions/', import.meta.url));

/**
 * One of the gate's Lambda functions: its own log group with retention, and its own role with
 * nothing but writes to that log group, so every other permission is an explicit grant (no
 * AWSLambdaBasicExecutionRole, whose log permissions span every log group).
 */
export class GateFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: GateFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Function', {
      entry: `${functionsDir}${props.entry}`,
      handler: 'index.handler',
      bundling: lambdaBundling(),
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        ...SOURCE_MAP_ENV,
      },
    });
  }
}
