import { createHmac, timingSafeEqual } from 'node:crypto';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { noticeSubject, SnsNotifier } from '../../lib/aws/sns-notifier.js';
import { FanOutNotifier } from '../../lib/notify/fan-out-notifier.js';
import { WebhookNotifier } from '../../lib/notify/webhook-notifier.js';
import type { Notice, Notifier } from '../../lib/ports.js';
import { newRelease } from '../core/fixtures.js';

const sns = mockClient(SNSClient);
afterEach(() => sns.reset());

const release = { ...newRelease(), state: 'rolled_back' as const, weight: 0 };
const notice: Notice = { kind: 'rolled_back', release, message: 'checkout:live rolled back to version 1: error rate 4.1% > 1% ceiling' };
const payload = {
  kind: 'rolled_back',
  message: notice.message,
  release: { id: 'rel-1', function: 'checkout', alias: 'live', version: '2', stableVersion: '1', state: 'rolled_back', weight: 0 },
};

/** What a receiver does: recompute the HMAC over the raw body and compare in constant time. */
function verify(secret: string, body: string, header: string | null): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header ?? '');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function recordingFetch(status = 204) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetch = vi.fn((url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: url instanceof Request ? url.url : url.toString(), init: init ?? {} });
    return Promise.resolve(new Response(null, { status }));
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests };
}

/** A fetch that never answers, like a receiver that hangs; it honours the abort signal. */
const hangingFetch = ((_url: string | URL | Request, init?: RequestInit) =>
  new Promise<Response>((_resolve, reject) => {
    init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error));
  })) as typeof globalThis.fetch;

describe('SnsNotifier', () => {
  const client = new SNSClient({ region: 'eu-west-1' });
  const topicArn = 'arn:aws:sns:eu-west-1:123456789012:release-gate';

  it('publishes a subject, the JSON notice and filterable attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await new SnsNotifier({ client, topicArn }).notify(notice);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.TopicArn).toBe(topicArn);
    expect(input?.Subject).toBe('Release Gate: checkout:live rolled back');
    expect(JSON.parse(input?.Message ?? '')).toEqual(payload);
    expect(input?.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'rolled_back' },
      function: { DataType: 'String', StringValue: 'checkout' },
    });
  });

  it.each([
    ['drift_detected', 'checkout', 'live', 'Release Gate: checkout:live drift detected'],
    ['succeeded', 'f'.repeat(64), 'a'.repeat(128), undefined],
  ] as const)('subject for %s stays under 100 characters and keeps the kind', (kind, fn, alias, exact) => {
    const subject = noticeSubject({ ...notice, kind, release: { ...release, function: fn, alias } });
    expect(subject.length).toBeLessThan(100);
    expect(subject.startsWith('Release Gate: ')).toBe(true);
    expect(subject.endsWith(` ${kind.replace('_', ' ')}`)).toBe(true);
    if (exact !== undefined) expect(subject).toBe(exact);
  });

  it('rejects when SNS does, for the caller to report', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' }));
    await expect(new SnsNotifier({ client, topicArn }).notify(notice)).rejects.toThrow('Topic does not exist');
  });
});

describe('WebhookNotifier', () => {
  it('posts the same JSON with a signature the receiver can verify', async () => {
    const { fetch, requests } = recordingFetch();
    await new WebhookNotifier({ url: 'https://hooks.example.com/release-gate', secret: 's3cret', fetch }).notify(notice);
    expect(requests).toHaveLength(1);
    const [{ url, init } = { url: '', init: {} }] = requests;
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? init.body : '';
    expect(url).toBe('https://hooks.example.com/release-gate');
    expect(init.method).toBe('POST');
    expect(headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(body)).toEqual(payload);
    expect(headers.get('X-Release-Gate-Signature')).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify('s3cret', body, headers.get('X-Release-Gate-Signature'))).toBe(true);
    expect(verify('other-secret', body, headers.get('X-Release-Gate-Signature'))).toBe(false);
    expect(verify('s3cret', body.replace('rolled_back', 'succeeded'), headers.get('X-Release-Gate-Signature'))).toBe(false);
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  it('sends no signature without a secret', async () => {
    const { fetch, requests } = recordingFetch();
    await new WebhookNotifier({ url: 'https://hooks.example.com/x', fetch }).notify(notice);
    expect(new Headers(requests[0]?.init.headers).has('X-Release-Gate-Signature')).toBe(false);
  });

  it('rejects a non-2xx answer, naming only the origin since webhook paths carry secrets', async () => {
    const { fetch } = recordingFetch(500);
    const error = await new WebhookNotifier({ url: 'https://hooks.example.com/T000/B000/XXXX', fetch }).notify(notice).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('https://hooks.example.com answered 500');
    expect((error as Error).message).not.toContain('XXXX');
  });

  it('rejects with a TimeoutError when the receiver hangs', async () => {
    const started = performance.now();
    await expect(new WebhookNotifier({ url: 'https://hooks.example.com/x', fetch: hangingFetch, timeoutMs: 20 }).notify(notice)).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('FanOutNotifier', () => {
  it('sends to every notifier and reports each failure without throwing', async () => {
    const delivered: string[] = [];
    const ok: Notifier = {
      notify: (sent) => {
        delivered.push(sent.kind);
        return Promise.resolve();
      },
    };
    const rejecting: Notifier = { notify: () => Promise.reject(new Error('SNS down')) };
    const throwing: Notifier = {
      notify: () => {
        throw new Error('bad config');
      },
    };
    const onError = vi.fn<(error: unknown, notice: Notice) => void>();
    await expect(new FanOutNotifier({ notifiers: [rejecting, throwing, ok], onError }).notify(notice)).resolves.toBeUndefined();
    expect(delivered).toEqual(['rolled_back']);
    expect(onError).toHaveBeenCalledTimes(2);
    expect(onError.mock.calls.map(([error, sent]) => [(error as Error).message, sent])).toEqual([
      ['SNS down', notice],
      ['bad config', notice],
    ]);
  });

  it('reports a timed-out webhook while the other channel still delivers', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const onError = vi.fn();
    const fanOut = new FanOutNotifier({
      notifiers: [
        new WebhookNotifier({ url: 'https://hooks.example.com/x', fetch: hangingFetch, timeoutMs: 20 }),
        new SnsNotifier({ client: new SNSClient({ region: 'eu-west-1' }), topicArn: 'arn:aws:sns:eu-west-1:123456789012:t' }),
      ],
      onError,
    });
    await expect(fanOut.notify(notice)).resolves.toBeUndefined();
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ name: 'TimeoutError' });
    expect(onError.mock.calls[0]?.[1]).toBe(notice);
  });

  it('survives an onError that throws', async () => {
    const fanOut = new FanOutNotifier({
      notifiers: [{ notify: () => Promise.reject(new Error('down')) }],
      onError: () => {
        throw new Error('logger broken');
      },
    });
    await expect(fanOut.notify(notice)).resolves.toBeUndefined();
  });
});
