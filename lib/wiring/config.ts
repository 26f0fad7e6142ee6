import * as z from 'zod';
import { issuesFromZod } from '../core/issues.js';

const seconds = (fallback: number) => z.coerce.number().int().min(1).max(86_400).default(fallback);

/**
 * The environment both functions read once, at module scope. Endpoints are set only in the local
 * world, where the same adapters talk to DynamoDB Local and the sandbox.
 */
export const GateConfigSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  RELEASES_TABLE: z.string().min(3),
  IDEMPOTENCY_TABLE: z.string().min(3),
  TOKENS_TABLE: z.string().min(3),
  FLAGS_TABLE: z.string().min(3),
  NOTIFY_TOPIC_ARN: z.string().startsWith('arn:').optional(),
  /** Secrets Manager secret `{"id": "...", "secret": "..."}` holding the bootstrap admin token. */
  ADMIN_TOKEN_SECRET_ARN: z.string().startsWith('arn:').optional(),
  /** The bootstrap admin token itself, for the local world. */
  RELEASE_GATE_ADMIN_TOKEN: z.string().optional(),
  EVALUATION_INTERVAL_SECONDS: seconds(60),
  METRIC_PERIOD_SECONDS: seconds(60),
  METRIC_SETTLE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  LAMBDA_ENDPOINT: z.url().optional(),
  CLOUDWATCH_ENDPOINT: z.url().optional(),
  DYNAMODB_ENDPOINT: z.url().optional(),
});

export type GateConfig = z.infer<typeof GateConfigSchema>;

/** Parses the environment; a bad one stops the function at start with every variable at fault. */
export function parseGateConfig(env: Record<string, string | undefined>): GateConfig {
  const parsed = GateConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${issuesFromZod(parsed.error).map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}
