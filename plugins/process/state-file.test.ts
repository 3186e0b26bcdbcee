import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { StateDir } from './state-file.js';
import type { ProcessState } from './state-file.js';

function state(app: string, instanceId: string): ProcessState {
  return { version: 1, app, instanceId, pid: 42, port: 3000, startedAt: 1, procStartTime: '99', command: ['node', 'x.js'], logFile: `/logs/${instanceId}.log` };
}

describe('StateDir', () => {
  it('writes one JSON file per instance, reads it back, lists by app or all, and removes it', async () => {
    const root = await tempDir();
    const dir = new StateDir(root);
    await dir.write(state('a', 'a1'));
    await dir.write(state('a', 'a2'));
    await dir.write(state('b', 'b1'));
    expect(JSON.parse(await readFile(join(root, 'process', 'a', 'a1.json'), 'utf8'))).toEqual(state('a', 'a1'));
    expect(dir.logFile('a', 'a1')).toBe(join(root, 'logs', 'a', 'a1.log'));
    expect(await dir.read('a', 'a2')).toEqual(state('a', 'a2'));
    expect((await dir.list('a')).states.map((s) => s.instanceId).sort()).toEqual(['a1', 'a2']);
    expect((await dir.list()).states).toHaveLength(3);

    await dir.remove('a', 'a1');
    await dir.remove('a', 'a1');
    expect(await dir.read('a', 'a1')).toBeUndefined();
    expect(await new StateDir(join(root, 'missing')).list()).toEqual({ states: [], unreadable: [] });
  });

  it('reports unreadable files apart and ignores temporary ones (a write a crash cut short)', async () => {
    const root = await tempDir();
    const dir = new StateDir(root);
    await dir.write(state('a', 'ok'));
    await mkdir(join(root, 'process', 'a'), { recursive: true });
    await writeFile(join(root, 'process', 'a', 'torn.json'), '{"version":1,"app":');
    await writeFile(join(root, 'process', 'a', 'wrong.json'), JSON.stringify({ ...state('a', 'wrong'), pid: -1 }));
    await writeFile(join(root, 'process', 'a', 'ok.json.123.tmp'), '{');
    const { states, unreadable } = await dir.list('a');
    expect(states.map((s) => s.instanceId)).toEqual(['ok']);
    expect(unreadable.map((u) => u.file.split('/').pop()).sort()).toEqual(['torn.json', 'wrong.json']);
    expect(unreadable.find((u) => u.file.endsWith('wrong.json'))?.reason).toMatch(/not a process state file \(pid: /);
  });
});
