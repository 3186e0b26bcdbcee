/**
 * The process provider's memory across restarts: one small JSON file per running instance, at
 * `<stateDir>/process/<app>/<instanceId>.json`, written when it starts and removed when it is stopped.
 * A restarted Vortex lists these files to adopt what still runs. Format (version 1):
 *
 *   {"version":1,"app":"hello","instanceId":"hello-1","pid":4242,"port":3000,"startedAt":1700000000000,
 *    "procStartTime":"441584","command":["node","server.js"],"logFile":"/data/plugins/logs/hello/hello-1.log"}
 *
 * `procStartTime` is field 22 of /proc/<pid>/stat when it started (see proc-stat.ts). Files are written
 * to a temporary name and renamed, so a crash mid-write leaves the old file or none, never half of one.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';

const stateSchema = z.strictObject({
  version: z.literal(1),
  app: z.string().min(1),
  instanceId: z.string().min(1),
  pid: z.int().positive(),
  port: z.int().min(1).max(65_535),
  /** Epoch ms. */
  startedAt: z.number(),
  procStartTime: z.string().regex(/^\d+$/),
  command: z.array(z.string()).min(1),
  logFile: z.string(),
});

/** One instance's state file. */
export type ProcessState = z.output<typeof stateSchema>;

/** A state file that could not be read (kept apart so one bad file does not hide the others). */
export interface UnreadableState {
  file: string;
  reason: string;
}

/** Where the state files and logs of a process provider live. */
export class StateDir {
  constructor(private readonly root: string) {}

  /** The per-instance log file: `<root>/logs/<app>/<instanceId>.log`. */
  logFile(app: string, instanceId: string): string {
    return join(this.root, 'logs', app, `${instanceId}.log`);
  }

  stateFile(app: string, instanceId: string): string {
    return join(this.root, 'process', app, `${instanceId}.json`);
  }

  async write(state: ProcessState): Promise<void> {
    const file = this.stateFile(state.app, state.instanceId);
    await mkdir(join(this.root, 'process', state.app), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(state)}\n`);
    await rename(temporary, file);
  }

  /** The state of one instance, or undefined when it has none (never started, or stopped). */
  async read(app: string, instanceId: string): Promise<ProcessState | undefined> {
    const file = this.stateFile(app, instanceId);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return parseState(text, file);
  }

  async remove(app: string, instanceId: string): Promise<void> {
    await rm(this.stateFile(app, instanceId), { force: true });
  }

  /** Every state file (of one app, or all), and the files that could not be parsed. */
  async list(app?: string): Promise<{ states: ProcessState[]; unreadable: UnreadableState[] }> {
    const apps = app === undefined ? await entries(join(this.root, 'process')) : [app];
    const states: ProcessState[] = [];
    const unreadable: UnreadableState[] = [];
    for (const name of apps) {
      for (const entry of await entries(join(this.root, 'process', name))) {
        if (!entry.endsWith('.json')) continue; // *.tmp: a write in progress or one a crash cut short
        const file = join(this.root, 'process', name, entry);
        try {
          states.push(parseState(await readFile(file, 'utf8'), file));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // stopped while we listed
          unreadable.push({ file, reason: err instanceof Error ? err.message : String(err) });
        }
      }
    }
    return { states, unreadable };
  }
}

function parseState(text: string, file: string): ProcessState {
  const parsed = stateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file}: not a process state file (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  return parsed.data;
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
