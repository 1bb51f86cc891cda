// Worker-thread entry of DqpWorkerPool (batch.ts). The project runs TypeScript through tsx, so this
// small plain-JS shim registers tsx's loader inside the worker thread, then loads the TypeScript
// worker. Resolving 'tsx/esm/api' from this file's location makes it independent of the cwd.
import { register } from 'tsx/esm/api';

register();
await import('./batch-worker.ts');
