/** The gate API on Lambda behind API Gateway: configuration is parsed once, at cold start. */
import { Logger } from '@aws-lambda-powertools/logger';
import { handle } from 'hono/aws-lambda';
import { createApp } from '../lib/api/app.js';
import { DEFAULT_API_SETTINGS } from '../lib/api/deps.js';
import { dashboard, DASHBOARD_PUBLIC_PATHS } from '../lib/dashboard/index.js';
import { loadBootstrapToken } from '../lib/wiring/admin-token.js';
import { buildGateDeps } from '../lib/wiring/aws-deps.js';
import { parseGateConfig } from '../lib/wiring/config.js';

const config = parseGateConfig(process.env);
const logger = new Logger({ serviceName: 'release-gate-api' });
const deps = buildGateDeps(config, logger);
const app = createApp({
  ...deps,
  ...DEFAULT_API_SETTINGS,
  bootstrapAdmin: await loadBootstrapToken(config),
  extensions: [dashboard()],
  publicPaths: DASHBOARD_PUBLIC_PATHS,
});

export const handler = handle(app);
