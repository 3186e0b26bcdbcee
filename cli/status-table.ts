/**
 * `vortex status`'s human output (pure): one row per app, then one line per app with a standing
 * error (a missing image, a failing start), so a glance shows why an app has no backends.
 *
 *   APP    DESIRED     READY          DRAINING  RPS    BACKENDS
 *   hello  3 (manual)  2 +1 starting  0         250.1  127.0.0.1:3001,127.0.0.1:3002
 *   api    1           0              0         0.0    -
 *
 *   api: error VX_PROVIDER_IMAGE_MISSING, 12s ago: start of api-… failed (…); retrying in 4000 ms
 */
import type { AppSummary } from '../proxy/admin-api/api-types.js';

/** Backend addresses shown in the table before the rest are counted (`+2 more`). */
export const SHOWN_BACKENDS = 3;
/** Error messages are cut to this many characters (the API has the whole text). */
export const ERROR_WIDTH = 160;

/** `5s ago`, `3m ago`, `2h ago`, `4d ago` for an age in ms (a clock behind the writer's counts as 0). */
export function ago(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** The DESIRED cell: the ScaleJob target, marked when an operator's override is set (and not yet applied). */
export function desiredCell(app: Pick<AppSummary, 'desired' | 'manual'>): string {
  const target = app.desired === null ? '-' : String(app.desired.replicas);
  if (app.manual === null) return target;
  return app.desired?.replicas === app.manual.replicas ? `${target} (manual)` : `${target} (manual ${app.manual.replicas})`;
}

function readyCell(app: AppSummary): string {
  return app.provisioning > 0 ? `${app.ready} +${app.provisioning} starting` : String(app.ready);
}

function backendsCell(backends: readonly string[]): string {
  if (backends.length === 0) return '-';
  const shown = backends.slice(0, SHOWN_BACKENDS).join(',');
  return backends.length > SHOWN_BACKENDS ? `${shown} +${backends.length - SHOWN_BACKENDS} more` : shown;
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** Pads every column but the last to its widest cell, two spaces apart. */
function columns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]! + 2))).join(''));
}

/** The whole `vortex status` text for `apps`, ages measured at `now` (epoch ms). */
export function formatStatus(apps: readonly AppSummary[], now: number): string {
  if (apps.length === 0) return 'no apps configured';
  const header = ['APP', 'DESIRED', 'READY', 'DRAINING', 'RPS', 'BACKENDS'];
  const rows = apps.map((app) => [app.name, desiredCell(app), readyCell(app), String(app.draining), app.rps.toFixed(1), backendsCell(app.backends)]);
  const lines = columns([header, ...rows]);
  const errors = apps.flatMap(({ name, error }) =>
    error === null ? [] : [cut(`${name}: error${error.code === undefined ? '' : ` ${error.code}`}, ${ago(now - error.at)}: ${error.message}`, ERROR_WIDTH)],
  );
  return [...lines, ...(errors.length === 0 ? [] : ['', ...errors])].join('\n');
}
