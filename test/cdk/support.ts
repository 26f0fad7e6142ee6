/** Synthesis helpers for the CDK tests: one stack per test file, logical ids through the stack. */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { ReleaseGateStack } from '../../cdk/release-gate-stack.js';
import type { ReleaseGateProps } from '../../cdk/release-gate.js';

/**
 * CDK's own switch for skipping asset bundling (what `cdk synth --exclusively` uses): the template is
 * the same, only the asset hash is a placeholder. Tests that look at the bundle synthesize without it.
 */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };

/**
 * An app for template assertions: no bundling, and no built-in CloudFormation schema validation
 * (about a second per synth). The stack test keeps both, and checks the validation report.
 */
export function fastApp(): App {
  return new App({ context: SKIP_BUNDLING, builtinCloudFormationValidation: false });
}

export interface GateSynth {
  readonly app: App;
  readonly stack: ReleaseGateStack;
  readonly template: Template;
}

export function synthGate(props: ReleaseGateProps = { managedFunctions: ['checkout'] }, options: { bundle?: boolean } = {}): GateSynth {
  const app = options.bundle ? new App() : fastApp();
  const stack = new ReleaseGateStack(app, 'Gate', { releaseGate: props });
  return { app, stack, template: Template.fromStack(stack) };
}

/**
 * The logical id of a construct's CloudFormation resource (its default child for an L2), as the
 * stack allocates it, or its override (`currentVersion` overrides its id with a hash).
 */
export function logicalId(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  const stack = Stack.of(element);
  const overridden = stack.resolve(element.logicalId) as string | undefined;
  return overridden ?? stack.getLogicalId(element);
}

export interface PolicyStatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement of every AWS::IAM::Policy attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const policies = template.findResources('AWS::IAM::Policy') as Resources;
  return Object.values(policies)
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
}

/** Every statement in the template: policies and roles' inline policies. */
export function allStatements(template: Template): PolicyStatementJson[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources).map((policy) => policy.Properties.PolicyDocument);
  const inline = Object.values(template.findResources('AWS::IAM::Role') as Resources).flatMap((role) =>
    ((role.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((policy) => policy.PolicyDocument),
  );
  return [...policies, ...inline].flatMap((document) => (document as { Statement: PolicyStatementJson[] }).Statement);
}

/** The statements of a role that allow `action`. */
export function statementsAllowing(statements: readonly PolicyStatementJson[], action: string): PolicyStatementJson[] {
  return statements.filter((statement) => statement.Effect === 'Allow' && asArray(statement.Action).includes(action));
}

/** `arn:${Partition}:lambda:${Region}:${Account}:function:<name><suffix>` as CDK renders it. */
export function functionArnJson(name: string, suffix = ''): unknown {
  return {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':lambda:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:function:${name}${suffix}`]],
  };
}

/** The resource ARNs a set of statements grants, as template JSON. */
export function resourcesOf(statements: readonly PolicyStatementJson[]): unknown[] {
  return statements.flatMap((statement) => asArray(statement.Resource));
}

/** A template value as text: `Fn::Join` concatenated, any other intrinsic as `<ref>`. */
export function flattenJoin(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(flattenJoin).join(join[0]);
  return '<ref>';
}
