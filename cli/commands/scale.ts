/**
 * `vortex scale <app> <replicas>` sets an operator's override of the app's replica target
 * (POST /api/v1/apps/<app>/scale); `vortex scale <app> --clear` removes it (DELETE), and the scaling
 * policy decides again. Prints what the running Vortex stored, or its JSON answer with --json.
 */
import type { ScaleResponse } from '../../proxy/admin-api/api-types.js';
import type { AdminCommandOptions } from '../admin-command.js';
import { runAdminCommand } from '../admin-command.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';

/** Options of `vortex scale`. */
export interface ScaleCommandOptions extends AdminCommandOptions {
  clear?: boolean;
  json?: boolean;
}

/** The human line for an answer of the scale API. */
export function describeScale(answer: ScaleResponse): string {
  const was = answer.previous === null ? 'none' : String(answer.previous.replicas);
  if (answer.manual !== null) {
    return `${answer.app}: manual scale ${answer.manual.replicas} stored (was ${was}); the scaler holds the app at it until \`vortex scale ${answer.app} --clear\``;
  }
  if (answer.previous === null) return `${answer.app}: no manual scale was set; the scaling policy decides`;
  return `${answer.app}: manual scale cleared (was ${was}); the scaling policy decides again`;
}

/** Runs `vortex scale`; resolves to the exit code. */
export async function scaleCommand(app: string, replicasText: string | undefined, options: ScaleCommandOptions, io: CliIo): Promise<number> {
  if ((replicasText === undefined) === (options.clear !== true)) {
    io.err(`vortex scale: give either a replica count or --clear, e.g. \`vortex scale ${app} 3\` or \`vortex scale ${app} --clear\``);
    return EXIT.badInput;
  }
  let replicas: number | null = null;
  if (replicasText !== undefined) {
    replicas = /^\d{1,9}$/.test(replicasText) ? Number(replicasText) : NaN;
    if (Number.isNaN(replicas)) {
      io.err(`vortex scale: replicas must be a whole number ≥ 0 (got ${JSON.stringify(replicasText)})`);
      return EXIT.badInput;
    }
  }
  return runAdminCommand('scale', options, io, async (client) => {
    const answer = await client.scale(app, replicas);
    io.out(options.json ? JSON.stringify(answer) : describeScale(answer));
    return EXIT.ok;
  });
}
