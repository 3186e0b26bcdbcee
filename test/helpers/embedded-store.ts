import { onTestFinished } from 'vitest';
import { EmbeddedStore } from '../../store/embedded/embedded-store.js';
import type { EmbeddedStoreOptions } from '../../store/embedded/options.js';
import { tempDir } from './temp-dir.js';

/** Opens an EmbeddedStore in a fresh temp dir (or `dataDir`), closed when the test finishes. */
export async function openTestStore(options: Partial<EmbeddedStoreOptions> = {}): Promise<{ store: EmbeddedStore; dir: string }> {
  const dir = options.dataDir ?? (await tempDir());
  const store = await EmbeddedStore.open({ ...options, dataDir: dir });
  onTestFinished(() => store.close());
  return { store, dir };
}

/** A warnings-collecting logger. */
export function recordingLogger(): { warnings: Array<{ message: string; fields: Record<string, unknown> }>; warn: (fields: Record<string, unknown>, message: string) => void } {
  const warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];
  return { warnings, warn: (fields, message) => warnings.push({ message, fields }) };
}
