// Worker-thread entry for one simulation run (the pure-API baseline beside the hybrid run). Plain JavaScript
// so it starts under plain Node: it registers the TypeScript loader for itself, then runs the TS module.
import { register } from 'tsx/esm/api';

register();
await import('./simulation-worker-main.ts');
