/**
 * Name → position maps for the labelled counters kept in typed arrays (AppStats' errors by kind,
 * WebSocket upgrades by outcome): the hot path bumps `counts[INDEX[name]]`, /metrics walks the list.
 */

/** Each name's index in `names`. */
export function counterIndex<Name extends string>(names: readonly Name[]): Readonly<Record<Name, number>> {
  return Object.freeze(Object.fromEntries(names.map((name, i) => [name, i])) as Record<Name, number>);
}
