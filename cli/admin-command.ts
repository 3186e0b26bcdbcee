/**
 * The frame of the commands that call a running Vortex's admin API (`status`, `scale`): load the
 * config (for admin.listen and admin.token), build the client, run, close, and turn the client's
 * errors into a message on stderr and an exit code: the API refusing the input (400, 404) is bad
 * input (2); no answer, a refused token or a server error is a failure (1).
 */
import { AdminClient, adminTarget } from './admin-client.js';
import { AdminClientError, AdminRefusedError } from './admin-errors.js';
import { configFor } from './config-file.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';

/** The options every admin command takes. */
export interface AdminCommandOptions {
  config?: string;
  /** `--admin <url>`: the admin API's base URL instead of the config's admin.listen. */
  admin?: string;
}

/** Runs `action` with a client for the configured admin API; resolves to the exit code. */
export async function runAdminCommand(name: string, options: AdminCommandOptions, io: CliIo, action: (client: AdminClient) => Promise<number>): Promise<number> {
  const config = await configFor(options.config);
  let client: AdminClient;
  try {
    client = new AdminClient(adminTarget(config, options.admin));
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    io.err(`vortex ${name}: ${error.message}`);
    return EXIT.badInput;
  }
  try {
    return await action(client);
  } catch (error) {
    if (!(error instanceof AdminClientError)) throw error;
    io.err(`vortex ${name}: ${error.message}`);
    return error instanceof AdminRefusedError && (error.status === 400 || error.status === 404) ? EXIT.badInput : EXIT.failed;
  } finally {
    await client.close();
  }
}
