import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../lib/sandbox/dynamodb-local.js';

// The happy path runs once per test run: the global setup (test/setup/dynamodb-local.ts) uses it.
describe('startDynamoDbLocal when it cannot start', () => {
  it('refuses a port another process holds instead of trusting that process to answer', async () => {
    const holder = createServer();
    await new Promise<void>((listening) => holder.listen(0, listening));
    const { port } = holder.address() as AddressInfo;
    try {
      await expect(startDynamoDbLocal({ port })).rejects.toThrow(`DynamoDB Local cannot listen on port ${port}`);
    } finally {
      await new Promise<void>((closed) => holder.close(() => closed()));
    }
  });

  it('says why when the JVM cannot be started at all', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startDynamoDbLocal()).rejects.toThrow(/could not start java: .*ENOENT/);
    } finally {
      process.env.PATH = path;
    }
  });
});
