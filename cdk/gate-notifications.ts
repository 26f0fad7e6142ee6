import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface GateNotificationsProps {
  readonly emails: readonly string[];
}

/**
 * The topic for rollbacks, pauses and alarms. It is encrypted with a customer-managed key because
 * CloudWatch alarms cannot publish to a topic under the AWS-managed `alias/aws/sns` key: the key
 * policy below lets CloudWatch use this one.
 */
export class GateNotifications extends Construct {
  public readonly topic: sns.Topic;
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: GateNotificationsProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Release Gate notifications topic',
      enableKeyRotation: true,
    });
    // The actions AWS documents for alarms that publish to an encrypted topic.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Release Gate',
      masterKey: this.key,
      enforceSSL: true,
    });
    // enforceSSL adds a topic policy, which replaces SNS's default one: without this statement
    // the alarms' publishes are refused. Scoped to this account's alarms (confused deputy).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountsAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
    for (const email of props.emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
  }

  /**
   * sns:Publish on this topic and the two key actions publishing under KMS needs, without the
   * `kms:GenerateDataKey*` wildcard that `grantPublish` adds.
   */
  grantPublish(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['sns:Publish'], resourceArns: [this.topic.topicArn] });
    iam.Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resourceArns: [this.key.keyArn] });
  }
}
