import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GateConfig } from './config.js';

/**
 * The gate's only transport retries: every SDK client makes at most this many attempts per call,
 * with the SDK's standard strategy (exponential backoff with full jitter; it retries throttling,
 * 500/502/503/504, timeouts and dropped connections, and no other 4xx, so not Lambda's
 * ResourceConflictException). Set here rather than left to AWS_MAX_ATTEMPTS or the SDK's
 * per-service defaults, so that the bounds stated on EngineConfig hold.
 */
export const SDK_RETRIES = { maxAttempts: 3, retryMode: 'standard' } as const;

export interface SdkClientOptions {
  readonly endpoint?: string | undefined;
  /** Dummy credentials for the local world; the default chain in AWS. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

/** The configuration every SDK client of the gate is created with. */
export function sdkClientConfig(region: string, options: SdkClientOptions = {}) {
  return {
    region,
    ...SDK_RETRIES,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}

export interface AwsClients {
  readonly dynamo: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly lambda: LambdaClient;
  readonly cloudwatch: CloudWatchClient;
}

type ClientConfig = Pick<GateConfig, 'AWS_REGION' | 'DYNAMODB_ENDPOINT' | 'LAMBDA_ENDPOINT' | 'CLOUDWATCH_ENDPOINT'>;

/** The clients the engine and the API use, once per cold start. */
export function createAwsClients(config: ClientConfig, credentials?: SdkClientOptions['credentials']): AwsClients {
  const dynamo = new DynamoDBClient(sdkClientConfig(config.AWS_REGION, { endpoint: config.DYNAMODB_ENDPOINT, credentials }));
  return {
    dynamo,
    doc: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } }),
    lambda: new LambdaClient(sdkClientConfig(config.AWS_REGION, { endpoint: config.LAMBDA_ENDPOINT, credentials })),
    cloudwatch: new CloudWatchClient(sdkClientConfig(config.AWS_REGION, { endpoint: config.CLOUDWATCH_ENDPOINT, credentials })),
  };
}
