import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dockerOrSkip } from './docker.js';

// A real connection attempt to a socket path that cannot exist: the "no engine" case, without mocks.
const missingSocket = join(tmpdir(), `vx-no-docker-${randomUUID()}`, 'docker.sock');

describe('dockerOrSkip without an engine', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('skips with one line naming the endpoint', async () => {
    vi.stubEnv('DOCKER_HOST', `unix://${missingSocket}`);
    vi.stubEnv('VORTEX_REQUIRE_DOCKER', '');
    const lines: string[] = [];

    const engine = await dockerOrSkip({ warn: (line) => lines.push(line) });

    expect(engine.available).toBe(false);
    expect(engine.skipReason).toContain(`no engine at unix://${missingSocket}`);
    expect(lines).toEqual([
      `[docker] skipping Docker tests: ${engine.skipReason} (set VORTEX_REQUIRE_DOCKER=1 to fail instead)`,
    ]);
  });

  it('throws under VORTEX_REQUIRE_DOCKER=1', async () => {
    vi.stubEnv('DOCKER_HOST', `unix://${missingSocket}`);
    vi.stubEnv('VORTEX_REQUIRE_DOCKER', '1');

    await expect(dockerOrSkip({ warn: () => {} })).rejects.toThrow(
      `[docker] VORTEX_REQUIRE_DOCKER=1 but there is no engine at unix://${missingSocket}`,
    );
  });
});
