/**
 * `pull: if-missing`: fetch an image the engine does not have, before creating a container from it.
 * A pull can fail in two places: the request itself (unknown registry host, HTTP 500 at once) or
 * midway, as a progress line `{"error": ...}` in an otherwise successful stream. Both become
 * VX_PROVIDER_IMAGE_MISSING naming the image and what the registry said, or ENGINE_UNREACHABLE when
 * the engine itself did not answer.
 */
import type Docker from 'dockerode';
import { ProviderError } from '../errors.js';
import { engineFailure, isUnreachable, toProviderError } from './engine-errors.js';

/** Pulls `image`; resolves when the engine has it. */
export async function pullImage(docker: Docker, image: string): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.pull(image));
  } catch (err) {
    throw pullFailed(image, err);
  }
  const lines = await new Promise<unknown[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: unknown[]) => (err ? reject(pullFailed(image, err)) : resolve(output)));
  });
  const failure = lines.find((line): line is { error: unknown } => typeof line === 'object' && line !== null && 'error' in line);
  if (failure !== undefined) {
    throw new ProviderError('VX_PROVIDER_IMAGE_MISSING', `docker: image ${image} is not on this engine and pulling it failed: ${String(failure.error)}`);
  }
}

function pullFailed(image: string, err: unknown): ProviderError {
  if (isUnreachable(err)) return toProviderError(err, `pull image ${image}`, 'VX_PROVIDER_IMAGE_MISSING');
  return new ProviderError('VX_PROVIDER_IMAGE_MISSING', `docker: image ${image} is not on this engine and pulling it failed: ${engineFailure(err).message}`, {
    cause: err,
  });
}
