import { open } from 'node:fs/promises';

/** Makes creations, renames and deletions in `dir` durable (fsync on the directory itself). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
