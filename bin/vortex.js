#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=4
// Entry point for `vortex` / `npx vortex`: runs the compiled CLI (npm install builds it through `prepare`).
// The first line tunes memory (README, "Proxy benchmark"; docs/architecture.md, "Processes"):
// V8's young generation capped at 2 x 4 MB instead of growing to 2 x 16 MB under load, and one
// malloc arena instead of one per thread (a V8 background thread's arena alone kept ~9 MB). Together
// they keep 10,000 idle keep-alive connections under 90 MB. `node bin/vortex.js ...` runs without them.
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
