/** `vortex status`: the apps of a running Vortex (GET /api/v1/apps) as a table, or its JSON with --json. */
import type { AdminCommandOptions } from '../admin-command.js';
import { runAdminCommand } from '../admin-command.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { formatStatus } from '../status-table.js';

/** Options of `vortex status`. */
export interface StatusCommandOptions extends AdminCommandOptions {
  json?: boolean;
}

/** Runs `vortex status`; resolves to the exit code. */
export function statusCommand(options: StatusCommandOptions, io: CliIo): Promise<number> {
  return runAdminCommand('status', options, io, async (client) => {
    const answer = await client.apps();
    io.out(options.json ? JSON.stringify(answer) : formatStatus(answer.apps, Date.now()));
    return EXIT.ok;
  });
}
