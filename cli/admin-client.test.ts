import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { adminTarget } from './admin-client.js';

const configWith = (admin: string) => parseConfig(admin, 'vortex.yaml', { env: {} });

describe('adminTarget', () => {
  it.each<[string, string]>([
    ['', 'http://127.0.0.1:8001'],
    ['admin: { listen: "0.0.0.0:9001" }', 'http://127.0.0.1:9001'],
    ['admin: { listen: "[::]:9001" }', 'http://[::1]:9001'],
    ['admin: { listen: "[::1]:9001" }', 'http://[::1]:9001'],
    ['admin: { listen: "10.0.0.5:9001" }', 'http://10.0.0.5:9001'],
  ])('admin.listen from %j → %s', (yaml, url) => {
    expect(adminTarget(configWith(yaml), undefined)).toEqual({ url });
  });

  it('takes --admin over admin.listen, and the token from admin.token either way', () => {
    const config = configWith('admin: { listen: "0.0.0.0:9001", token: "a-token-of-sixteen-chars" }');
    expect(adminTarget(config, undefined)).toEqual({ url: 'http://127.0.0.1:9001', token: 'a-token-of-sixteen-chars' });
    expect(adminTarget(config, 'https://vortex.internal:8443/')).toEqual({ url: 'https://vortex.internal:8443', token: 'a-token-of-sixteen-chars' });
  });

  it.each(['127.0.0.1:8001', 'ftp://127.0.0.1:8001', 'http://127.0.0.1:8001/api', 'http://127.0.0.1:8001/?x=1'])('refuses --admin %s', (url) => {
    expect(() => adminTarget(configWith(''), url)).toThrow(/^--admin ".*": expected a URL like http:\/\/127\.0\.0\.1:8001/);
  });
});
