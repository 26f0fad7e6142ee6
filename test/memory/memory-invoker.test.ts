import { failing, MemoryInvoker } from '../../lib/memory/memory-invoker.js';
import { functionInvokerContract } from '../contracts/function-invoker.contract.js';

functionInvokerContract('MemoryInvoker', () =>
  Promise.resolve({
    invoker: new MemoryInvoker({ 'checkout:1': (event) => ({ ok: true, payload: { version: '1', event } }), 'checkout:2': failing('boom') }),
    stop: () => Promise.resolve(),
  }),
);
