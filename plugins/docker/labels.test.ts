import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../config/resolve.js';
import type { DockerBackend } from '../../config/schema.js';
import type { InstanceSpec } from '../provider.js';
import { containerName, createOptions, dockerBackendOf, factsFromInspect, factsFromSummary, hostPortOf, instanceFromContainer, statusFromInspect } from './labels.js';

const base: DockerBackend = {
  plugin: 'docker',
  image: 'vortex-test/echo:latest',
  env: { GREETING: 'hi' },
  network: 'host',
  labels: { team: 'edge' },
  pull: 'never',
  stop_timeout: 10_000,
};

function spec(backend: AppConfig['backend'], instanceId = 'i-1'): InstanceSpec {
  return { app: 'hello', instanceId, config: { name: 'hello', backend } as AppConfig };
}

describe('createOptions', () => {
  const cases: Array<{ desc: string; backend: DockerBackend; hostPort: number; expected: Partial<Docker.ContainerCreateOptions> }> = [
    {
      desc: 'host network: PORT is the host port, nothing published, no limits',
      backend: base,
      hostPort: 3000,
      expected: {
        name: 'vortex-hello-i-1',
        Image: 'vortex-test/echo:latest',
        Env: ['GREETING=hi', 'PORT=3000', 'INSTANCE_ID=i-1'],
        Labels: { team: 'edge', 'vortex.managed': 'true', 'vortex.app': 'hello', 'vortex.instance': 'i-1', 'vortex.port': '3000', 'vortex.network': 'host' },
        StopTimeout: 10,
        HostConfig: { NetworkMode: 'host' },
      },
    },
    {
      desc: 'bridge: PORT is the container port, published on 127.0.0.1 at the host port',
      backend: { ...base, network: 'bridge', port: 8080, env: {} },
      hostPort: 3001,
      expected: {
        Env: ['PORT=8080', 'INSTANCE_ID=i-1'],
        ExposedPorts: { '8080/tcp': {} },
        HostConfig: { NetworkMode: 'bridge', PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '3001' }] } },
      },
    },
    {
      desc: 'bridge without a port uses the default container port 8080',
      backend: { ...base, network: 'bridge', env: {} },
      hostPort: 3002,
      expected: { Env: ['PORT=8080', 'INSTANCE_ID=i-1'], ExposedPorts: { '8080/tcp': {} } },
    },
    {
      desc: 'limits and command: memory in bytes, cpus as NanoCpus, stop timeout rounded up to seconds',
      backend: { ...base, memory: 128 * 1024 * 1024, cpus: 0.5, command: ['node', 'app.js'], stop_timeout: 1_500 },
      hostPort: 3000,
      expected: { Cmd: ['node', 'app.js'], StopTimeout: 2, HostConfig: { NetworkMode: 'host', Memory: 134_217_728, NanoCpus: 500_000_000 } },
    },
    {
      desc: 'user labels and env cannot override what Vortex sets',
      backend: { ...base, env: { PORT: '1', INSTANCE_ID: 'x' }, labels: { 'vortex.app': 'other', 'vortex.managed': 'false' } },
      hostPort: 3000,
      expected: { Env: ['PORT=3000', 'INSTANCE_ID=i-1'], Labels: expect.objectContaining({ 'vortex.app': 'hello', 'vortex.managed': 'true' }) as Record<string, string> },
    },
  ];
  it.each(cases)('$desc', ({ backend, hostPort, expected }) => {
    expect(createOptions(spec(backend), backend, hostPort)).toMatchObject(expected);
  });
});

describe('dockerBackendOf', () => {
  const processBackend: AppConfig['backend'] = { plugin: 'process', command: ['x'], env: {}, stop_timeout: 1 };
  it.each<{ desc: string; backend: AppConfig['backend']; id: string; message: RegExp }>([
    { desc: 'a process app', backend: processBackend, id: 'i-1', message: /not docker/ },
    { desc: 'an id with a slash', backend: base, id: 'a/b', message: /instance id "a\/b"/ },
    { desc: 'an empty id', backend: base, id: '', message: /instance id ""/ },
  ])('refuses $desc with VX_PROVIDER_INVALID_SPEC', ({ backend, id, message }) => {
    expect(() => dockerBackendOf(spec(backend, id))).toThrow(expect.objectContaining({ code: 'VX_PROVIDER_INVALID_SPEC', message: expect.stringMatching(message) as string }));
  });
  it('returns the docker block', () => expect(dockerBackendOf(spec(base))).toBe(base));
});

describe('instanceFromContainer', () => {
  const labels = { 'vortex.managed': 'true', 'vortex.app': 'hello', 'vortex.instance': 'i-1', 'vortex.port': '3000', team: 'edge' };
  it.each([
    { desc: 'not managed', labels: { ...labels, 'vortex.managed': 'false' } },
    { desc: 'no app', labels: { ...labels, 'vortex.app': '' } },
    { desc: 'no instance', labels: { 'vortex.managed': 'true', 'vortex.app': 'hello', 'vortex.port': '3000' } },
    { desc: 'a port that is not one', labels: { ...labels, 'vortex.port': '70000' } },
  ])('ignores a container with $desc', ({ labels: given }) => {
    expect(instanceFromContainer({ id: 'c1', labels: given, image: 'img', name: 'n', startedAt: 1 })).toBeUndefined();
  });

  it('reads identity and address from the labels of a list item', () => {
    const summary = { Id: 'c1', Names: ['/vortex-hello-i-1'], Image: 'img', Created: 1_700_000_000, Labels: labels, State: 'running' } as unknown as Docker.ContainerInfo;
    const instance = instanceFromContainer(factsFromSummary(summary));
    expect(instance).toEqual({
      id: 'c1',
      app: 'hello',
      instanceId: 'i-1',
      address: '127.0.0.1:3000',
      startedAt: 1_700_000_000_000,
      labels: { ...labels, image: 'img', name: 'vortex-hello-i-1' },
    });
    expect(hostPortOf(instance!)).toBe(3000);
  });

  it('reads the start time of an inspect result in ms', () => {
    const info = { Id: 'c1', Name: '/n', Created: '2026-01-01T00:00:00Z', Config: { Labels: labels, Image: 'img' }, State: { StartedAt: '2026-01-01T00:00:01.250000000Z' } } as unknown as Docker.ContainerInspectInfo;
    expect(factsFromInspect(info)).toMatchObject({ id: 'c1', name: 'n', startedAt: Date.UTC(2026, 0, 1, 0, 0, 1, 250) });
  });
});

describe('statusFromInspect', () => {
  const state = { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 1, ExitCode: 0, Error: '', StartedAt: '', FinishedAt: '' };
  it.each([
    { desc: 'running', given: state, expected: { alive: true } },
    { desc: 'paused', given: { ...state, Paused: true, Status: 'paused' }, expected: { alive: false, reason: 'paused' } },
    { desc: 'exited', given: { ...state, Running: false, Status: 'exited', ExitCode: 3 }, expected: { alive: false, exitCode: 3, reason: 'exited' } },
    { desc: 'OOM killed', given: { ...state, Running: false, Status: 'exited', ExitCode: 137, OOMKilled: true }, expected: { alive: false, exitCode: 137, reason: 'OOMKilled' } },
    { desc: 'never started', given: { ...state, Running: false, Status: 'created' }, expected: { alive: false, reason: 'created' } },
    { desc: 'failed to start', given: { ...state, Running: false, Status: 'exited', ExitCode: 127, Error: 'exec: not found' }, expected: { alive: false, exitCode: 127, reason: 'exited: exec: not found' } },
  ])('$desc', ({ given, expected }) => {
    expect(statusFromInspect(given as Docker.ContainerInspectInfo['State'])).toEqual(expected);
  });
});

it('names containers vortex-<app>-<instanceId>', () => expect(containerName('hello', 'abc')).toBe('vortex-hello-abc'));
