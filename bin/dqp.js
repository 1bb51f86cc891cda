#!/usr/bin/env node
// Launcher for the dqp command line: registers the TypeScript loader (tsx) and runs cli/main.ts.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
