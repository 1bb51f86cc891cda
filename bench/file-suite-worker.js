// Worker-thread entry of the file-suite runner (bench/file-suite.ts). The project runs TypeScript
// through tsx, so this plain-JS shim registers tsx's loader inside the worker thread, then loads
// the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./file-suite-worker.ts');
