/**
 * The `vortex` command. This file is the composition root: only here are concrete parts wired.
 * Subcommands appear in --help only once they work (design.md §9 lists the rest).
 */
import { Command, CommanderError } from 'commander';
import { validateCommand } from './commands/validate.js';
import type { CliIo } from './io.js';
import { EXIT, processIo } from './io.js';
import { vortexVersion } from './version.js';

const DEFAULT_CONFIG = 'vortex.yaml';

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('vortex')
    .description('Vortex: an edge reverse proxy that scales your app\'s backends with the load')
    .version(vortexVersion(), '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .showHelpAfterError('(run vortex --help for usage)');

  program
    .command('validate')
    .description('check a vortex.yaml: exit 0 with a summary when valid, 2 with every problem when not')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--json', 'machine-readable output')
    .action(async (options: { config: string; json?: boolean }) => {
      exitCode = await validateCommand(options, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    throw error;
  }
  return exitCode;
}
