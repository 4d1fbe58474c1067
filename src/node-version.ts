/**
 * The Node.js version Cohort runs on: the major version of the Dockerfile's base image, and
 * package.json's `engines` (npm refuses to install on an older one: `engine-strict` in .npmrc).
 * main.ts checks it before it loads anything else, so an older Node gets one sentence, not a
 * SyntaxError from deep inside a dependency. Keep this file free of imports and of new syntax.
 */
export const REQUIRED_NODE_MAJOR = 24;

/** The sentence for an unsupported Node version (e.g. process.versions.node), or undefined when it will do. */
export function unsupportedNode(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major >= REQUIRED_NODE_MAJOR) return undefined;
  return `Cohort needs Node.js ${REQUIRED_NODE_MAJOR} or newer, and this is Node.js ${version.replace(/^v?/, 'v')}: install Node.js ${REQUIRED_NODE_MAJOR} LTS (https://nodejs.org, or \`nvm install ${REQUIRED_NODE_MAJOR}\`), then run \`npm ci\` again.`;
}
