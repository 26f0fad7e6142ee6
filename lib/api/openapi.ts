/**
 * The OpenAPI document as the server behaves: the routes describe what is theirs, and the answers
 * every operation shares (the middleware's) are added here, in one place, from what each
 * operation takes, so that no route can forget one.
 */
type Json = Record<string, unknown>;
interface Response {
  description: string;
  headers?: Json;
  content?: Json;
}
interface Operation {
  operationId?: string;
  security?: unknown[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, Response>;
}
export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  [key: string]: unknown;
}

/**
 * The API answers errors in its one shape; OFREP paths in OFREP's, and OFREP's evaluations are
 * not idempotent POSTs (they change nothing) and turn an oversized body into INVALID_CONTEXT.
 */
export type Protocol = 'api' | 'ofrep';
const ERROR_SCHEMAS: Record<Protocol, Json> = { api: { $ref: '#/components/schemas/Error' }, ofrep: { $ref: '#/components/schemas/OfrepGeneralError' } };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } } };

/** What an operation can answer besides its own outcomes, and why. */
function sharedAnswers(method: string, operation: Operation, protocol: Protocol): [status: string, description: string, headers?: Json][] {
  const authenticated = (operation.security ?? []).length > 0;
  const validated = (operation.parameters ?? []).some((parameter) => ['path', 'query'].includes((parameter as { in?: string }).in ?? '')) || operation.requestBody !== undefined;
  const answers: [string, string, Json?][] = [];
  if (validated) answers.push(['400', 'Bad input: the paths at fault are in the issues']);
  if (authenticated) answers.push(['401', 'No valid token'], ['403', 'The token lacks the scope or the resource']);
  if (protocol === 'api') {
    // Keys are scoped to a token, so only calls with one are idempotent.
    if (authenticated && method === 'post') {
      answers.push(['409', '`idempotency_in_progress`: a request with this Idempotency-Key is still running'], ['422', '`idempotency_key_reused`: this Idempotency-Key came with another request']);
    }
    // The body limit guards every request, whatever its method.
    answers.push(['413', '`payload_too_large`: bodies are limited in size']);
  }
  answers.push(['500', 'A failure on our side; the logs have the details']);
  // Every authenticated call reads its token from DynamoDB.
  if (authenticated) answers.push(['503', 'An AWS service the gate depends on stays unavailable (`dependency_unavailable`); try again after `Retry-After` seconds', RETRY_AFTER]);
  return answers;
}

/**
 * Adds the shared answers to every operation (joining descriptions where a route documents the
 * same status with its own meaning), with the error schema of the path's protocol. Throws when
 * an operation has no operationId: clients generate their method names from them.
 */
export function completeDocument(document: OpenApiDocument, protocolOf: (path: string) => Protocol): OpenApiDocument {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      if (operation.operationId === undefined) throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
      const protocol = protocolOf(path);
      for (const [status, description, headers] of sharedAnswers(method, operation, protocol)) {
        const existing = operation.responses[status];
        if (existing === undefined) {
          operation.responses[status] = { description, ...(headers ? { headers } : {}), content: { 'application/json': { schema: ERROR_SCHEMAS[protocol] } } };
        } else if (description.startsWith('`') && !existing.description.includes(description)) {
          // A status the route gives its own meaning, and the middleware another: both are said.
          existing.description = `${existing.description}. Also ${description}`;
        } else if (headers) {
          existing.headers = { ...headers, ...existing.headers };
        }
      }
    }
  }
  return document;
}
