/**
 * Starts `vortex <command>` as a child process from source and waits for the line that says it is
 * ready, for tests that need Vortex the way users run it: its own process, signals, exit codes.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCommand } from './run-command.js';
import type { CommandResult } from './run-command.js';

const RUN_CLI = fileURLToPath(new URL('./run-cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface VortexProcess {
  child: ChildProcess;
  /** The line matched by `readyLine`. */
  ready: string;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** Runs the CLI to completion: exit code and output. */
export function runVortex(args: string[], timeoutMs = 30_000): Promise<CommandResult> {
  return runCommand(process.execPath, ['--import', 'tsx', RUN_CLI, ...args], { cwd: ROOT, timeoutMs });
}

/** Starts `vortex <args>` and resolves once a stdout line matches `readyLine`; `env` is added to the environment. */
export function startVortex(args: string[], readyLine: RegExp, timeoutMs = 30_000, env: Record<string, string> = {}): Promise<VortexProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vortex ${args.join(' ')} was not ready within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((candidate) => readyLine.test(candidate));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve({
        child,
        ready: line,
        stdout: () => stdout,
        stderr: () => stderr,
        stop: async (signal = 'SIGTERM', graceMs = 10_000) => {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          child.kill(signal);
          const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          try {
            return await exited;
          } finally {
            clearTimeout(killer);
          }
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vortex ${args.join(' ')} exited with ${code} before it was ready; stderr: ${stderr}`));
    });
  });
}
