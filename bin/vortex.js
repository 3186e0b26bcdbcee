#!/usr/bin/env node
// Entry point for `npx vortex`: runs the compiled CLI (npm install builds it through `prepare`).
const cli = await import('../dist/cli/main.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  console.error('vortex: not built yet; run `npm run build` (npm install does it for you)');
  process.exit(1);
});

try {
  process.exitCode = await cli.runCli(process.argv.slice(2));
} catch (error) {
  console.error(`vortex: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
