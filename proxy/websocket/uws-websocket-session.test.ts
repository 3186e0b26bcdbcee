import type { HttpResponse, WebSocket as UwsSocket } from 'uWebSockets.js';
import { describe, expect, it, onTestFinished } from 'vitest';
import { eventually } from '../../test/helpers/eventually.js';
import { testConfig } from '../../test/helpers/proxy-harness.js';
import { wsBackend } from '../../test/helpers/ws-backend.js';
import { ProxyState } from '../proxy-state.js';
import { WebSocketHub } from './websocket-hub.js';
import { webSocketOptions } from './websocket-session.js';
import type { SessionContext } from './websocket-session.js';
import { UPGRADE_OUTCOMES } from './upgrade-outcomes.js';
import { UwsWebSocketSession } from './uws-websocket-session.js';
import type { UserData } from './uws-websocket-session.js';

/** The part of uWS's client WebSocket the session uses, recording what it is asked. */
function clientSocket(): { socket: UwsSocket<UserData>; ended: Array<[number | undefined, string | undefined]> } {
  const ended: Array<[number | undefined, string | undefined]> = [];
  const socket = {
    end: (code?: number, reason?: string) => ended.push([code, reason]),
    send: () => 1,
    getBufferedAmount: () => 0,
  } as unknown as UwsSocket<UserData>;
  return { socket, ended };
}

/**
 * The uWS side of an upgrade as uWS 20.30 behaves: upgrade() opens the client synchronously inside
 * the cork; with `closeInsideCork` it then closes it there too, as its cork bug does (uWebSockets #1929).
 */
function upgradingResponse(client: UwsSocket<UserData>, closeInsideCork: boolean): { res: HttpResponse; upgrades: string[] } {
  const upgrades: string[] = [];
  const res = {
    cork(handler: () => void) {
      handler();
      return res;
    },
    upgrade(userData: UserData, key: string, protocol: string) {
      upgrades.push(`${key} ${protocol}`);
      userData.session.clientOpened(client);
      if (closeInsideCork) userData.session.clientClosed(1006, '');
    },
  } as unknown as HttpResponse;
  return { res, upgrades };
}

async function session(closeInsideCork: boolean) {
  const backend = await wsBackend();
  const state = new ProxyState(testConfig('uws', [{ name: 'chat', upstreams: [backend.address] }]));
  onTestFinished(() => state.destroy());
  const hub = new WebSocketHub(() => 1_000);
  const ctx: SessionContext = { core: { now: () => 1_000, maxBodyBytes: 0, holdTimeoutMs: 30_000, accessLog: null }, hub, options: webSocketOptions(state.config, state) };
  const app = state.apps.get('chat')!;
  const client = clientSocket();
  const { res, upgrades } = upgradingResponse(client.socket, closeInsideCork);
  const handshake = { headers: {}, protocols: [] };
  const uws = new UwsWebSocketSession(ctx, { app, now: 1_000 }, '/', '127.0.0.1', res, 'key', handshake, {});
  uws.start();
  await eventually(() => expect(upgrades).toEqual(['key ']));
  const outcomes = () => Object.fromEntries(UPGRADE_OUTCOMES.map((o, i) => [o, app.stats.websocketUpgrades[i]]));
  return { backend, app, hub, client, uws, outcomes };
}

describe('UwsWebSocketSession', () => {
  it('is open once the cork that upgraded returns, and relays the client close to the backend', async () => {
    const { backend, app, hub, uws, outcomes } = await session(false);
    expect(outcomes()).toMatchObject({ upgraded: 1, lost: 0 });
    expect([app.stats.inFlight, app.backends.list[0]!.inFlight, hub.size]).toEqual([1, 1, 1]);
    uws.clientClosed(1000, 'bye');
    await eventually(() => expect(backend.closes).toEqual([{ code: 1000, reason: 'bye' }]));
    await eventually(() => expect([app.stats.inFlight, app.backends.list[0]!.inFlight, hub.size]).toEqual([0, 0, 0]));
  });

  it('counts an upgrade whose client uWS closed inside the cork as lost, and cuts the backend', async () => {
    const { backend, app, hub, client, outcomes } = await session(true);
    expect(outcomes()).toMatchObject({ upgraded: 0, lost: 1, client_aborted: 0 });
    expect(app.stats.byCode[101]).toBe(1);
    expect([app.stats.inFlight, app.backends.list[0]!.inFlight, hub.size]).toEqual([0, 0, 0]);
    // A closed uWS WebSocket is never touched again.
    expect(client.ended).toEqual([]);
    await eventually(() => expect(backend.closes.map((c) => c.code)).toEqual([1006]));
  });
});
