/**
 * What an instance id may be. Providers put it into container names (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`)
 * and file names (`<instanceId>.log`), so it is limited to characters safe in both: no "/", no
 * leading "." or "-", at most 128 characters.
 */
import { ProviderError } from './errors.js';
import type { InstanceSpec } from './provider.js';

const INSTANCE_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** Throws VX_PROVIDER_INVALID_SPEC when the spec's instance id cannot name a container or a file. */
export function checkInstanceId(spec: InstanceSpec): void {
  if (!INSTANCE_ID.test(spec.instanceId)) {
    throw new ProviderError(
      'VX_PROVIDER_INVALID_SPEC',
      `app ${spec.app}: instance id ${JSON.stringify(spec.instanceId)} must be letters, digits, "_", "." or "-" (at most 128), starting with a letter or digit`,
    );
  }
}
