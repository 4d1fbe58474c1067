// The entry point (`npm start`, `npm run dev`, the Docker image). The Node version is checked
// before anything else is loaded: static imports would all be loaded first, on any Node.
import { unsupportedNode } from './node-version.js';

const problem = unsupportedNode(process.versions.node);
if (problem) {
  console.error(problem);
  process.exit(1);
}
await import('./start.js');
