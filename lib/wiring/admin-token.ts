import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { bootstrapToken, type BootstrapToken } from '../api/auth.js';
import { sdkClientConfig } from './aws-clients.js';
import type { GateConfig } from './config.js';

const AdminSecretSchema = z.object({ id: z.string().regex(/^[a-z0-9]{16}$/), secret: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });

/** The bootstrap admin token: from the environment locally, from Secrets Manager in AWS. */
export async function loadBootstrapToken(config: GateConfig): Promise<BootstrapToken | undefined> {
  if (config.RELEASE_GATE_ADMIN_TOKEN) return bootstrapToken(config.RELEASE_GATE_ADMIN_TOKEN);
  if (!config.ADMIN_TOKEN_SECRET_ARN) return undefined;
  const client = new SecretsManagerClient(sdkClientConfig(config.AWS_REGION));
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: config.ADMIN_TOKEN_SECRET_ARN }));
  const parsed = AdminSecretSchema.parse(JSON.parse(SecretString ?? '{}'));
  return bootstrapToken(`rg_${parsed.id}_${parsed.secret}`);
}
