import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { GateFunction } from './gate-function.js';
import { wildcardResourceFinding } from './nag-findings.js';

/** One gate function and the Lambda actions it calls on a managed function. */
export interface AliasController {
  readonly owner: GateFunction;
  readonly actions: readonly string[];
  /** Actions granted on the qualified ARNs alone (`<arn>:*`): invoking a version, never the unqualified `$LATEST`. */
  readonly versionActions?: readonly string[] | undefined;
}

interface Grant extends AliasController {
  statement?: iam.PolicyStatement;
  versionStatement?: iam.PolicyStatement;
  policy?: iam.Policy;
}

/**
 * The managed functions, and each gate function's grant on them: the function's ARN and its
 * qualified ARNs (`<arn>:*`, versions and aliases), in a policy of its own, so that the cdk-nag
 * acknowledgement of each `:*` covers those grants and nothing else.
 */
export class AliasControl {
  private readonly grants: Grant[];
  private readonly managed = new Set<string>();

  constructor(
    private readonly scope: Construct,
    controllers: readonly AliasController[],
  ) {
    this.grants = controllers.map((controller) => ({ ...controller }));
  }

  /** How many functions are managed. */
  get size(): number {
    return this.managed.size;
  }

  add(functionArn: string): void {
    const key = JSON.stringify(Stack.of(this.scope).resolve(functionArn));
    if (this.managed.has(key)) return;
    this.managed.add(key);
    for (const grant of this.grants) {
      // Created with the first function: a policy without resources would not synthesize.
      grant.statement ??= new iam.PolicyStatement({ actions: [...grant.actions] });
      if (!grant.policy) {
        grant.policy = new iam.Policy(grant.owner, 'ManagedFunctions', { roles: [grant.owner.role], statements: [grant.statement] });
        grant.owner.function.node.addDependency(grant.policy);
      }
      grant.statement.addResources(functionArn, `${functionArn}:*`);
      if (grant.versionActions !== undefined && grant.versionActions.length > 0) {
        if (!grant.versionStatement) {
          grant.versionStatement = new iam.PolicyStatement({ actions: [...grant.versionActions] });
          grant.policy.addStatements(grant.versionStatement);
        }
        grant.versionStatement.addResources(`${functionArn}:*`);
      }
      Validations.of(grant.policy).acknowledge({
        id: wildcardResourceFinding(this.scope, `${functionArn}:*`),
        reason:
          'The qualified ARNs (<function>:<version or alias>) of one managed function: releases name versions published after this deploy, so they cannot be listed here. Nothing outside that function is covered.',
      });
    }
  }
}
