/**
 * `vortex reload`: asks a running Vortex to re-read its config file (POST /api/v1/reload), as SIGHUP
 * does, but through the admin API, so it works without a shell on the machine and says what happened:
 * the apps now configured and the keys that still need a restart, or why the file was refused (the
 * running config then stays).
 */
import type { ReloadResponse } from '../../proxy/admin-api/api-types.js';
import type { AdminCommandOptions } from '../admin-command.js';
import { runAdminCommand } from '../admin-command.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';

/** Options of `vortex reload`. */
export interface ReloadCommandOptions extends AdminCommandOptions {
  json?: boolean;
}

/** The human lines for a reload answer. */
export function describeReload(answer: ReloadResponse): string {
  const apps = answer.apps.length === 0 ? 'no apps' : `apps ${answer.apps.join(', ')}`;
  const restart = answer.needsRestart.length === 0 ? '' : `\nthese settings changed but apply only after a restart: ${answer.needsRestart.join(', ')}`;
  return `reloaded ${answer.file}: ${apps}${restart}`;
}

/** Runs `vortex reload`; resolves to the exit code. */
export function reloadCommand(options: ReloadCommandOptions, io: CliIo): Promise<number> {
  return runAdminCommand('reload', options, io, async (client) => {
    const answer = await client.reload();
    io.out(options.json ? JSON.stringify(answer) : describeReload(answer));
    return EXIT.ok;
  });
}
