/**
 * The data directory's lock: a `LOCK` file created with O_EXCL holding the owner's pid. A lock whose
 * pid is no longer running (the owner crashed) is stale and taken over, with a warning. Limits: a
 * crashed owner's pid reused by an unrelated live process makes the lock look held (delete LOCK by
 * hand), and two processes taking over the same stale lock at the same instant can race.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DataDirLockedError } from '../errors.js';
import type { StoreLogger } from './options.js';

/** A held lock; `release()` deletes the file. */
export interface DataDirLock {
  release(): Promise<void>;
}

/** Takes the lock on `dataDir` or throws DataDirLockedError naming the holder. */
export async function lockDataDir(dataDir: string, logger: StoreLogger): Promise<DataDirLock> {
  const path = join(dataDir, 'LOCK');
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { release: () => unlink(path).catch(() => undefined) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockError(err, dataDir);
    }
    const holder = (await readFile(path, 'utf8').catch(() => '')).trim();
    const pid = Number(holder);
    if (Number.isSafeInteger(pid) && pid > 0 && (pid === process.pid || isRunning(pid))) {
      throw new DataDirLockedError(dataDir, `pid ${pid}`);
    }
    logger.warn({ dataDir, holder }, 'store: taking over a stale data directory lock (its owner is not running)');
    await unlink(path).catch(() => undefined);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockError(err: unknown, dataDir: string): Error {
  if ((err as NodeJS.ErrnoException).code === 'EEXIST') return new DataDirLockedError(dataDir);
  return err instanceof Error ? err : new Error(String(err));
}
