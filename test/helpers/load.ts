/**
 * Steady HTTP load at a fixed rate (autocannon's `overallRate`), bounded in time, for the scaling
 * tests: it runs until `stop()` or `maxSeconds`, whichever comes first, and counts every answer that
 * was not a 2xx and every connection error or timeout as a failure.
 */
import autocannon from 'autocannon';

/** What a load run saw. */
export interface LoadResult {
  requests: number;
  /** Non-2xx answers + connection errors + timeouts. */
  failures: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  seconds: number;
}

/** A running load; `stop()` ends it and resolves with its figures. */
export interface Load {
  stop(): Promise<LoadResult>;
  /** Counts the `id` field of the JSON answers (the echo backend's instance id) for `ms` milliseconds. */
  idsFor(ms: number): Promise<Map<string, number>>;
}

/** Starts `rate` requests per second at `url` over `connections` keep-alive connections, for at most `maxSeconds`. */
export function startLoad(url: string, rate: number, options: { connections?: number; maxSeconds?: number; host?: string } = {}): Load {
  const started = Date.now();
  const statuses: Record<string, number> = {};
  let counting: ((body: string) => void) | undefined;
  let finish: (result: LoadResult) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const done = new Promise<LoadResult>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const instance = autocannon(
    {
      url,
      connections: options.connections ?? 10,
      overallRate: rate,
      duration: options.maxSeconds ?? 120,
      timeout: 10,
      ...(options.host === undefined ? {} : { headers: { host: options.host } }),
      requests: [{ onResponse: (_status, body) => counting?.(body) }],
    },
    (error, result) => {
      if (error !== null && error !== undefined) return fail(error);
      finish({ requests: result.requests.total, failures: result.non2xx + result.errors + result.timeouts, statuses, seconds: (Date.now() - started) / 1000 });
    },
  );
  instance.on('response', (_client, statusCode) => {
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  return {
    stop: () => {
      instance.stop();
      return done;
    },
    idsFor: async (ms) => {
      const ids = new Map<string, number>();
      counting = (body) => {
        const id = /"id":"([^"]+)"/.exec(body)?.[1];
        if (id !== undefined) ids.set(id, (ids.get(id) ?? 0) + 1);
      };
      await new Promise((resolve) => setTimeout(resolve, ms));
      counting = undefined;
      return ids;
    },
  };
}
