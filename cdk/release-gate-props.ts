import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** API Gateway's steady-state and burst limits for the whole API. */
export interface ApiThrottle {
  /** Requests per second, on average. */
  readonly rateLimit: number;
  /** Requests allowed in a burst of a second or so. */
  readonly burstLimit: number;
}

export type GateLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface ReleaseGateProps {
  /**
   * Names of the Lambda functions, in this stack's account and region, whose aliases the gate may
   * read and shift. More can be added later with `manage()`; at least one function must be
   * managed by the time the app is synthesized.
   * @default - none by name
   */
  readonly managedFunctions?: readonly string[];
  /**
   * Lambda functions the evaluator may invoke as a release's lifecycle hook (`synthetic.hooks`):
   * names in this stack's account and region, or function ARNs. The managed functions' versions
   * are invokable for probes already; nothing else is.
   * @default - none
   */
  readonly hookFunctions?: readonly string[];
  /**
   * How often the evaluator ticks every due release: whole minutes, from 1 minute to 1 hour
   * (EventBridge rate schedules count minutes).
   * @default Duration.minutes(1)
   */
  readonly evaluationInterval?: Duration;
  /**
   * Email addresses subscribed to the notifications topic (rollbacks, pauses, alarms). Each
   * must confirm its subscription.
   * @default - no subscriptions
   */
  readonly notificationEmails?: readonly string[];
  /**
   * Throttling for the HTTP API's default stage.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly apiThrottle?: ApiThrottle;
  /**
   * Reserved concurrency of the evaluator: ticks that overlap beyond it wait in Lambda's async
   * queue instead of piling up. Reserving it needs that much unreserved concurrency left in the
   * account (new accounts may have too little).
   * @default 2
   */
  readonly evaluatorConcurrency?: number;
  /**
   * Retention of the functions' logs and the API's access logs.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * Powertools log level of both functions.
   * @default 'INFO'
   */
  readonly logLevel?: GateLogLevel;
  /**
   * The public id of the bootstrap admin token (`rg_<id>_<secret>`): 16 lowercase letters or digits.
   * @default 'bootstrapadmin00'
   */
  readonly adminTokenId?: string;
}

/** The props with every default applied, after validation. */
export interface ResolvedReleaseGateProps {
  readonly managedFunctions: readonly string[];
  readonly hookFunctions: readonly string[];
  readonly evaluationInterval: Duration;
  readonly notificationEmails: readonly string[];
  readonly apiThrottle: ApiThrottle;
  readonly evaluatorConcurrency: number;
  readonly logRetention: RetentionDays;
  readonly logLevel: GateLogLevel;
  readonly adminTokenId: string;
}

/** Lambda's rule for a function name (not an ARN). */
export const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** An unqualified function ARN, as a release names its hook (HOOK_FUNCTION in lib/core/synthetic.ts). */
const HOOK_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}$/;
const TOKEN_ID = /^[a-z0-9]{16}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const LOG_LEVELS: readonly GateLogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
const MAX_INTERVAL_MINUTES = 60;

export function validateFunctionName(name: string, where: string): void {
  if (!FUNCTION_NAME.test(name)) {
    throw new Error(`${where}: '${name}' is not a Lambda function name (1 to 64 letters, digits, hyphens or underscores)`);
  }
}

function validateInterval(interval: Duration): void {
  const seconds = interval.toSeconds();
  if (seconds < 60) throw new Error(`evaluationInterval must be at least 1 minute (EventBridge schedules run at most once a minute), got ${interval.toHumanString()}`);
  if (seconds % 60 !== 0) throw new Error(`evaluationInterval must be a whole number of minutes (EventBridge rate schedules count minutes), got ${interval.toHumanString()}`);
  if (seconds > MAX_INTERVAL_MINUTES * 60) throw new Error(`evaluationInterval must be at most 1 hour, got ${interval.toHumanString()}`);
}

function validatePositive(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number, got ${value}`);
}

/** Checks every prop and applies the defaults; the messages name the prop and the value at fault. */
export function resolveReleaseGateProps(props: ReleaseGateProps): ResolvedReleaseGateProps {
  const managedFunctions = props.managedFunctions ?? [];
  if (props.managedFunctions !== undefined && managedFunctions.length === 0) {
    throw new Error('managedFunctions is empty: name at least one function, or leave it out and call manage()');
  }
  const seen = new Set<string>();
  for (const name of managedFunctions) {
    validateFunctionName(name, 'managedFunctions');
    if (seen.has(name)) throw new Error(`managedFunctions names '${name}' twice`);
    seen.add(name);
  }
  const hookFunctions = props.hookFunctions ?? [];
  for (const hook of hookFunctions) {
    if (!HOOK_FUNCTION_ARN.test(hook)) validateFunctionName(hook, 'hookFunctions');
  }
  if (new Set(hookFunctions).size !== hookFunctions.length) throw new Error('hookFunctions names a function twice');
  const evaluationInterval = props.evaluationInterval ?? Duration.minutes(1);
  validateInterval(evaluationInterval);
  const notificationEmails = props.notificationEmails ?? [];
  for (const email of notificationEmails) {
    if (!EMAIL.test(email)) throw new Error(`notificationEmails: '${email}' is not an email address`);
  }
  const apiThrottle = props.apiThrottle ?? { rateLimit: 50, burstLimit: 100 };
  if (!Number.isFinite(apiThrottle.rateLimit) || apiThrottle.rateLimit <= 0) throw new Error(`apiThrottle.rateLimit must be a positive number, got ${apiThrottle.rateLimit}`);
  validatePositive(apiThrottle.burstLimit, 'apiThrottle.burstLimit');
  const evaluatorConcurrency = props.evaluatorConcurrency ?? 2;
  validatePositive(evaluatorConcurrency, 'evaluatorConcurrency');
  const logLevel = props.logLevel ?? 'INFO';
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got '${String(logLevel)}'`);
  const adminTokenId = props.adminTokenId ?? 'bootstrapadmin00';
  if (!TOKEN_ID.test(adminTokenId)) throw new Error(`adminTokenId must be 16 lowercase letters or digits, got '${adminTokenId}'`);
  return {
    managedFunctions,
    hookFunctions,
    evaluationInterval,
    notificationEmails,
    apiThrottle,
    evaluatorConcurrency,
    logRetention: props.logRetention ?? RetentionDays.THREE_MONTHS,
    logLevel,
    adminTokenId,
  };
}
