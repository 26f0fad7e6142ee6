/** The world's state in Lambda's JSON shapes (AliasConfiguration, FunctionConfiguration). */
import type { SandboxVersion } from './config.js';
import { functionArn, type Account } from './lambda-names.js';

export interface AliasState {
  functionVersion: string;
  /** AdditionalVersionWeights: version → share of traffic, 0.0–1.0. */
  weights: Record<string, number>;
  description: string;
  revisionId: string;
}

export function aliasShape(account: Account, name: string, alias: string, state: AliasState): Record<string, unknown> {
  return {
    AliasArn: functionArn(account, name, alias),
    Name: alias,
    FunctionVersion: state.functionVersion,
    Description: state.description,
    ...(Object.keys(state.weights).length > 0 ? { RoutingConfig: { AdditionalVersionWeights: { ...state.weights } } } : {}),
    RevisionId: state.revisionId,
  };
}

export function configurationShape(account: Account, name: string, revisionId: string, version: string, spec: SandboxVersion): Record<string, unknown> {
  return {
    FunctionName: name,
    FunctionArn: functionArn(account, name, version),
    Runtime: spec.runtime,
    Role: spec.role,
    Handler: spec.handler,
    CodeSize: spec.codeSize,
    Description: spec.description,
    Timeout: spec.timeoutSeconds,
    MemorySize: spec.memorySize,
    LastModified: spec.lastModified,
    CodeSha256: spec.codeSha256,
    Version: version,
    ...(spec.deadLetterTargetArn ? { DeadLetterConfig: { TargetArn: spec.deadLetterTargetArn } } : {}),
    RevisionId: revisionId,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: ['x86_64'],
  };
}
