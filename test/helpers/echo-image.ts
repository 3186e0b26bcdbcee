import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Docker from 'dockerode';

/** The echo backend image that test/images/build.sh builds. */
export const ECHO_IMAGE = 'vortex-test/echo:latest';

const buildScript = fileURLToPath(new URL('../images/build.sh', import.meta.url));
const serverJs = fileURLToPath(new URL('../images/echo/server.js', import.meta.url));

// A cold build copies ~100 MB (node and its libraries) into the engine: a few seconds, bounded here
// so a wedged engine fails the test instead of hanging it.
const BUILD_TIMEOUT_MS = 120_000;

/**
 * Makes sure {@link ECHO_IMAGE} exists and was built from the current server.js and build.sh, running
 * build.sh when it is missing or stale. Freshness is the image's `vortex.test-image.source` label, the
 * sha256 of server.js followed by build.sh (as build.sh computes it): unlike mtimes, it survives a
 * fresh checkout. Returns the image reference and whether a build ran.
 */
export async function ensureEchoImage(docker: Docker): Promise<{ image: string; built: boolean }> {
  const want = await sourceDigest();
  if ((await imageSourceLabel(docker)) === want) return { image: ECHO_IMAGE, built: false };

  try {
    await promisify(execFile)('bash', [buildScript], { timeout: BUILD_TIMEOUT_MS, killSignal: 'SIGKILL' });
  } catch (err) {
    const output = err instanceof Error && 'stderr' in err ? String(err.stderr) : String(err);
    throw new Error(`building ${ECHO_IMAGE} with ${buildScript} failed: ${output}`, { cause: err });
  }
  const got = await imageSourceLabel(docker);
  if (got !== want) {
    throw new Error(`${buildScript} ran but ${ECHO_IMAGE} has source label ${String(got)}, expected ${want}`);
  }
  return { image: ECHO_IMAGE, built: true };
}

async function sourceDigest(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [serverJs, buildScript]) hash.update(await readFile(file));
  return hash.digest('hex');
}

/** The image's source label, or undefined when the image does not exist. */
async function imageSourceLabel(docker: Docker): Promise<string | undefined> {
  try {
    const info = await docker.getImage(ECHO_IMAGE).inspect();
    return info.Config.Labels?.['vortex.test-image.source'];
  } catch (err) {
    if (err instanceof Error && 'statusCode' in err && err.statusCode === 404) return undefined;
    throw err;
  }
}
