import { RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { ReleaseGate } from './release-gate.js';

export interface GatedFunctionProps {
  /** The function to release through the gate. */
  readonly lambdaFunction: lambda.Function;
  /** The gate that may read and shift this function's alias. */
  readonly releaseGate: ReleaseGate;
  /**
   * The alias that production traffic calls, and that the gate shifts.
   * @default 'live'
   */
  readonly aliasName?: string;
  /**
   * The version the alias is created on. CloudFormation sets the alias to it once, when it creates
   * the alias; after that the alias belongs to Release Gate (see the class comment). Keep this value
   * unchanged across deploys: changing it makes CloudFormation update the alias, which sets it to
   * this version with no weights and so ends any release in progress.
   * @default '1' - the first version CDK publishes for a new function
   */
  readonly stableVersion?: string;
}

/** Lambda's rule for alias names: letters, digits, hyphens, underscores, and not only digits. */
const ALIAS_NAME = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;
const VERSION_NUMBER = /^[1-9]\d*$/;

/**
 * A function whose releases go through Release Gate: every deploy publishes a version
 * (`lambdaFunction.currentVersion`), and production traffic calls the `live` alias, which only the
 * gate moves.
 *
 * Who owns the alias: CloudFormation creates it on `stableVersion` and, as long as the alias's
 * properties stay the same, never writes it again. From then on its routing (the version and the
 * weighted additional version) is owned by Release Gate. A redeploy with new code publishes a new
 * version and leaves the alias where it is; the pipeline then starts a release of that version
 * (`POST /releases` with `candidateVersion.version`), and the gate shifts traffic, promotes or rolls
 * back. CloudFormation does not fight the gate, because the alias is not tied to the latest version.
 * CloudFormation drift detection will report the alias's routing as drift; that is expected.
 *
 * Published versions are retained, so the alias can keep pointing at (or roll back to) a version
 * that a later deploy no longer declares. Old versions count against Lambda's code storage quota.
 */
export class GatedFunction extends Construct {
  public readonly function: lambda.Function;
  /** The alias the gate shifts. */
  public readonly alias: lambda.Alias;
  /** The version this deploy published: the candidate for the next release. */
  public readonly candidateVersion: lambda.Version;

  constructor(scope: Construct, id: string, props: GatedFunctionProps) {
    super(scope, id);
    const aliasName = props.aliasName ?? 'live';
    if (!ALIAS_NAME.test(aliasName)) {
      throw new Error(`aliasName must be 1 to 128 letters, digits, hyphens or underscores and not only digits, got '${aliasName}'`);
    }
    const stableVersion = props.stableVersion ?? '1';
    if (!VERSION_NUMBER.test(stableVersion)) {
      throw new Error(`stableVersion must be a published version number such as '1', got '${stableVersion}'`);
    }
    this.function = props.lambdaFunction;
    this.candidateVersion = this.function.currentVersion;
    this.candidateVersion.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.alias = new lambda.Alias(this, 'Alias', {
      aliasName,
      version: lambda.Version.fromVersionAttributes(this, 'StableVersion', { lambda: this.function, version: stableVersion }),
      description: 'Routing owned by Release Gate after creation',
    });
    // On the first deploy, version 1 is the one this deploy publishes: it must exist first.
    this.alias.node.addDependency(this.candidateVersion);
    props.releaseGate.manage(this.function);
  }
}
