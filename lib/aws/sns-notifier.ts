import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { noticePayload } from '../notify/webhook-notifier.js';
import type { Notice, Notifier } from '../ports.js';

export interface SnsNotifierOptions {
  readonly client: SNSClient;
  readonly topicArn: string;
}

/** SNS subjects must be under 100 characters. */
const MAX_SUBJECT = 99;

/** "Release Gate: checkout:live rolled back"; a long function or alias name is cut, never the kind. */
export function noticeSubject(notice: Notice): string {
  const prefix = 'Release Gate: ';
  const kind = ` ${notice.kind.replaceAll('_', ' ')}`;
  const target = `${notice.release.function}:${notice.release.alias}`;
  const room = MAX_SUBJECT - prefix.length - kind.length;
  return `${prefix}${target.length <= room ? target : `${target.slice(0, room - 3)}...`}${kind}`;
}

/** Publishes each notice to a topic; `kind` and `function` attributes let subscriptions filter. */
export class SnsNotifier implements Notifier {
  constructor(private readonly options: SnsNotifierOptions) {}

  async notify(notice: Notice): Promise<void> {
    await this.options.client.send(
      new PublishCommand({
        TopicArn: this.options.topicArn,
        Subject: noticeSubject(notice),
        Message: JSON.stringify(noticePayload(notice)),
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: notice.kind },
          function: { DataType: 'String', StringValue: notice.release.function },
        },
      }),
    );
  }
}
