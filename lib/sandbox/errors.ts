/**
 * The sandbox's API errors. Each knows its wire form, so the world and the query code throw
 * them and the routes answer them unchanged.
 */
export type LambdaErrorType =
  | 'ResourceNotFoundException'
  | 'InvalidParameterValueException'
  | 'InvalidRequestContentException'
  | 'PreconditionFailedException'
  | 'TooManyRequestsException'
  | 'UnknownOperationException';

const STATUS: Record<LambdaErrorType, number> = {
  ResourceNotFoundException: 404,
  InvalidParameterValueException: 400,
  InvalidRequestContentException: 400,
  PreconditionFailedException: 412,
  TooManyRequestsException: 429,
  UnknownOperationException: 404,
};

/** Lambda's restJson1 error: the SDK takes the type from `x-amzn-errortype`, the status must match it. */
export class LambdaServiceError extends Error {
  override readonly name = 'LambdaServiceError';
  readonly status: number;
  constructor(
    readonly type: LambdaErrorType,
    message: string,
    /** Extra body members, such as TooManyRequestsException's `Reason`. */
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.status = STATUS[type];
  }

  getResponse(): Response {
    // Lambda's shapes disagree on `message` vs `Message`; the SDK reads either, so send both.
    const body = { Type: 'User', message: this.message, Message: this.message, ...this.extra };
    return new Response(JSON.stringify(body), {
      status: this.status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': this.type },
    });
  }
}

export type CloudWatchErrorType = 'InvalidParameterValueException' | 'InvalidNextToken' | 'UnknownOperationException' | 'SerializationException';

/**
 * awsQuery-compatible codes, as CloudWatch sends them in `x-amzn-query-error`; the SDK prefers
 * them to `__type`. Errors without one are named by `__type` alone.
 */
const QUERY_CODES: Partial<Record<CloudWatchErrorType, string>> = {
  InvalidParameterValueException: 'InvalidParameterValue',
  InvalidNextToken: 'InvalidNextToken',
};

/** An error of the sandbox's CloudWatch API, in the AWS JSON 1.0 error shape. */
export class CloudWatchServiceError extends Error {
  override readonly name = 'CloudWatchServiceError';
  constructor(readonly type: CloudWatchErrorType, message: string) {
    super(message);
  }

  getResponse(): Response {
    return new Response(JSON.stringify({ __type: `com.amazonaws.cloudwatch#${this.type}`, message: this.message }), {
      status: 400,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        ...(QUERY_CODES[this.type] ? { 'x-amzn-query-error': `${QUERY_CODES[this.type]};Sender` } : {}),
      },
    });
  }
}
