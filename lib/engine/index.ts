export * from './actions.js';
export * from './deps.js';
export * from './errors.js';
export * from './observe.js';
export * from './routing.js';
export * from './start-release.js';
export * from './tick-due.js';
export * from './tick.js';
export { finishRollback } from './rollback.js';
