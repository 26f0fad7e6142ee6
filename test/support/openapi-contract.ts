/**
 * Holds every answer the API tests receive to the OpenAPI document the app serves: the status
 * must be documented for the operation, and a JSON body must match that status's schema. A
 * mismatch fails the test that made the call, so the document cannot drift from the server.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

interface Operation {
  readonly responses: Readonly<Record<string, { readonly content?: Readonly<Record<string, { readonly schema?: unknown }>> }>>;
}
interface Document {
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components?: { readonly schemas?: Readonly<Record<string, unknown>> };
}

/** `#/components/schemas/X` becomes `#/$defs/X`, so each response schema compiles on its own. */
function withDefinitions(schema: unknown, definitions: Readonly<Record<string, unknown>>): object {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' ? value.replace('#/components/schemas/', '#/$defs/') : rewrite(value)]),
    );
  };
  return { ...(rewrite(schema) as object), $defs: rewrite(definitions) };
}

const templateRegExp = (template: string) => new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`);

export class OpenApiContract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly routes: { readonly pattern: RegExp; readonly template: string; readonly literal: number }[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: Document) {
    // A literal path (`/releases/{id}/gate`) wins over a template that also matches it.
    this.routes = Object.keys(document.paths)
      .map((template) => ({ template, pattern: templateRegExp(template), literal: template.replace(/\{[^}]+\}/g, '').length }))
      .sort((a, b) => b.literal - a.literal);
  }

  /** What is wrong with this answer by the document; empty when it conforms. */
  problems(method: string, url: string, status: number, contentType: string | null, body: unknown): string[] {
    const path = new URL(url, 'http://gate').pathname;
    const route = this.routes.find((candidate) => candidate.pattern.test(path));
    const operation = route === undefined ? undefined : this.document.paths[route.template]?.[method.toLowerCase()];
    // No operation for this method: the answer is the 404 or 405 every path gives, in the one error shape.
    if (route === undefined || operation === undefined) return [404, 405].includes(status) ? [] : [`${method} ${path}: no operation in the document, yet it answered ${status}`];
    const where = `${method} ${route.template} ${status}`;
    const response = operation.responses[String(status)] ?? operation.responses.default;
    if (response === undefined) return [`${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')})`];
    const schema = response.content?.['application/json']?.schema;
    if (schema === undefined) return contentType?.includes('json') && body !== '' && status !== 304 ? [`${where}: answered JSON where the document has no body`] : [];
    if (!contentType?.includes('application/json')) return [`${where}: answered ${contentType ?? 'no content type'} where the document has JSON`];
    let validate = this.validators.get(where);
    if (validate === undefined) {
      validate = this.ajv.compile(withDefinitions(schema, this.document.components?.schemas ?? {}));
      this.validators.set(where, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).slice(0, 5).map((error) => `${where}: body${error.instancePath} ${error.message ?? 'does not match'} ${JSON.stringify(error.params)}`);
  }
}
