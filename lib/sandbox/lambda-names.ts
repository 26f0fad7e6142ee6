/**
 * Lambda accepts a function as a name, a partial ARN or a full ARN, each optionally followed by
 * a qualifier (`checkout`, `123456789012:function:checkout:live`,
 * `arn:aws:lambda:us-east-1:123456789012:function:checkout:3`).
 */
import { LambdaServiceError } from './errors.js';

export interface FunctionRef {
  readonly name: string;
  readonly qualifier?: string | undefined;
}

export interface Account {
  readonly region: string;
  readonly accountId: string;
}

const FULL_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9_-]+)(?::([a-zA-Z0-9$_-]+))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([a-zA-Z0-9_-]+)(?::([a-zA-Z0-9$_-]+))?$/;
const NAME = /^([a-zA-Z0-9_-]+)(?::([a-zA-Z0-9$_-]+))?$/;

/** Resolves a FunctionName parameter; a function in another region or account is not found. */
export function parseFunctionName(input: string, account: Account): FunctionRef {
  const full = FULL_ARN.exec(input);
  if (full) {
    const [, region, accountId, name = '', qualifier] = full;
    if (region !== account.region || accountId !== account.accountId) {
      throw new LambdaServiceError('ResourceNotFoundException', `Function not found: ${input}`);
    }
    return { name, qualifier };
  }
  const partial = PARTIAL_ARN.exec(input);
  if (partial) {
    const [, accountId, name = '', qualifier] = partial;
    if (accountId !== account.accountId) throw new LambdaServiceError('ResourceNotFoundException', `Function not found: ${input}`);
    return { name, qualifier };
  }
  const plain = NAME.exec(input);
  if (plain) return { name: plain[1] ?? '', qualifier: plain[2] };
  throw new LambdaServiceError('InvalidParameterValueException', `1 validation error detected: Value '${input}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern`);
}

/** Merges a qualifier in the name with the Qualifier parameter; Lambda refuses two that differ. */
export function withQualifier(ref: FunctionRef, qualifier: string | undefined): FunctionRef {
  if (qualifier === undefined || qualifier === '') return ref;
  if (ref.qualifier !== undefined && ref.qualifier !== qualifier) {
    throw new LambdaServiceError('InvalidParameterValueException', 'The derived qualifier from the function name does not match the specified qualifier.');
  }
  return { ...ref, qualifier };
}

export function functionArn(account: Account, name: string, qualifier?: string): string {
  return `arn:aws:lambda:${account.region}:${account.accountId}:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
}
