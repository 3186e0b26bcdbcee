/**
 * The `vortex` command. This file is the composition root: only here are concrete parts wired.
 * Subcommands appear in --help only once they work (design.md §9 lists the rest).
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/errors.js';
import { StoreError } from '../store/errors.js';
import { validateCommand } from './commands/validate.js';
import { DEFAULT_CONFIG } from './config-file.js';
import type { CliIo } from './io.js';
import { EXIT, processIo } from './io.js';
import { StoreFlagError } from './store-flag.js';
import type { StackSignals } from './proxy-stack.js';
import { vortexVersion } from './version.js';

/** Resolves with the name of the first SIGINT or SIGTERM: long-running commands stop gracefully on it. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** SIGINT/SIGTERM stop, SIGHUP reloads: the signals of `vortex up` and `vortex proxy`. */
function stackSignals(): StackSignals {
  return {
    stop: stopSignal(),
    onReload(listener) {
      process.on('SIGHUP', listener);
      return () => process.off('SIGHUP', listener);
    },
  };
}

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

  program
    .command('store')
    .description('serve the embedded store over the etcd v3 gRPC API (etcdctl and `store.backend: etcd` clients connect to it)')
    .option('-c, --config <file>', `config file (default: ./${DEFAULT_CONFIG} if present)`)
    .option('--listen <host:port>', 'address to serve on (default: store.listen, else 127.0.0.1:2379)')
    .option('--data <dir>', 'data directory (default: store.data_dir, else ./data)')
    .action(async (options: { config?: string; listen?: string; data?: string }) => {
      // Loaded on use, like every command below: grpc-js and the protos cost the other commands ~17 MB.
      const { storeCommand } = await import('./commands/store.js');
      exitCode = await storeCommand(options, io, stopSignal());
    });

  program
    .command('up')
    .description('run Vortex in one process: the store (embedded unless the config says etcd), the scaler, the reconciler with the backend plugins, the proxy, telemetry and the admin API')
    .option('-c, --config <file>', `config file (default: ./${DEFAULT_CONFIG} if present)`)
    .action(async (options: { config?: string }) => {
      // Loaded on use: the proxy stack (uWS, prom-client) is not needed by the other commands.
      const { upCommand } = await import('./commands/up.js');
      exitCode = await upCommand(options, io, stackSignals());
    });

  program
    .command('proxy')
    .description('run the proxy (with telemetry and the admin API) against a store in another process')
    .option('-c, --config <file>', `config file (default: ./${DEFAULT_CONFIG} if present)`)
    .option('--store <host:port[,host:port]>', 'store endpoints (a `vortex store` server or etcd); default: the config\'s store section')
    .action(async (options: { config?: string; store?: string }) => {
      const { proxyCommand } = await import('./commands/proxy.js');
      exitCode = await proxyCommand(options, io, stackSignals());
    });

  program
    .command('scaler')
    .description('run the scaler and, while it leads, the reconciler with the backend plugins, against a store in another process')
    .option('-c, --config <file>', `config file (default: ./${DEFAULT_CONFIG} if present)`)
    .option('--store <host:port[,host:port]>', 'store endpoints (a `vortex store` server or etcd); default: the config\'s store section')
    .action(async (options: { config?: string; store?: string }) => {
      const { scalerCommand } = await import('./commands/scaler.js');
      exitCode = await scalerCommand(options, io, stackSignals());
    });

  program
    .command('status')
    .description('show the apps of a running Vortex (desired and ready replicas, load, backends, errors) from its admin API')
    .option('-c, --config <file>', `config file: admin.listen and admin.token (default: ./${DEFAULT_CONFIG} if present)`)
    .option('--admin <url>', 'the admin API to ask (default: http://<admin.listen>)')
    .option('--json', 'print the API\'s JSON answer')
    .action(async (options: { config?: string; admin?: string; json?: boolean }) => {
      // Loaded on use, like the stack: undici is not needed by the other commands.
      const { statusCommand } = await import('./commands/status.js');
      exitCode = await statusCommand(options, io);
    });

  program
    .command('scale')
    .description('set an app\'s replica count by hand (it holds until --clear), through a running Vortex\'s admin API')
    .argument('<app>', 'the app, as named in vortex.yaml')
    .argument('[replicas]', 'replicas to run: 0 up to the app\'s max_replicas')
    .option('--clear', 'remove the manual override: the scaling policy decides again')
    .option('-c, --config <file>', `config file: admin.listen and admin.token (default: ./${DEFAULT_CONFIG} if present)`)
    .option('--admin <url>', 'the admin API to call (default: http://<admin.listen>)')
    .option('--json', 'print the API\'s JSON answer')
    .action(async (app: string, replicas: string | undefined, options: { config?: string; admin?: string; clear?: boolean; json?: boolean }) => {
      const { scaleCommand } = await import('./commands/scale.js');
      exitCode = await scaleCommand(app, replicas, options, io);
    });

  program
    .command('reload')
    .description('make a running Vortex re-read its config file (like SIGHUP), through its admin API')
    .option('-c, --config <file>', `config file: admin.listen and admin.token (default: ./${DEFAULT_CONFIG} if present)`)
    .option('--admin <url>', 'the admin API to call (default: http://<admin.listen>)')
    .option('--json', 'print the API\'s JSON answer')
    .action(async (options: { config?: string; admin?: string; json?: boolean }) => {
      const { reloadCommand } = await import('./commands/reload.js');
      exitCode = await reloadCommand(options, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (error instanceof ConfigError || error instanceof StoreFlagError) {
      io.err(error.message);
      return EXIT.badInput;
    }
    if (error instanceof StoreError) {
      io.err(`vortex: ${error.message}`);
      return EXIT.failed;
    }
    throw error;
  }
  return exitCode;
}
