import { Aws } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface AdminTokenProps {
  /** The token's public id: 16 lowercase letters or digits. */
  readonly tokenId: string;
}

/**
 * The bootstrap admin token, `rg_<id>_<secret>`, as the JSON the gate API reads at cold start
 * (`{"id": …, "secret": …}`, see lib/wiring/aws-deps.ts). Secrets Manager generates the 43-character
 * secret at deploy time, so it never appears in the template or the CDK output.
 */
export class AdminToken extends Construct {
  public readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: AdminTokenProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'Release Gate bootstrap admin token: rg_<id>_<secret>. Use it to create scoped tokens, then keep it for emergencies.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ id: props.tokenId }),
        generateStringKey: 'secret',
        passwordLength: 43,
        // Letters and digits only: a subset of the base64url alphabet the token format allows.
        excludePunctuation: true,
        includeSpace: false,
      },
    });
  }

  /** A shell command that prints the token (needs the AWS CLI and jq). */
  readCommand(): string {
    const jq = `jq -r '"rg_\\(.id)_\\(.secret)"'`;
    return `aws secretsmanager get-secret-value --region ${Aws.REGION} --secret-id ${this.secret.secretArn} --query SecretString --output text | ${jq}`;
  }
}
