// Runs the vortex CLI from source (under tsx), so integration tests exercise the current code without a build.
import { runCli } from '../../cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
