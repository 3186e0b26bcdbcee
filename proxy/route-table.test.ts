import { describe, expect, it } from 'vitest';
import { normalizeHost, RouteTable } from './route-table.js';

describe('RouteTable', () => {
  const table = new RouteTable([
    { host: 'hello.localhost', pathPrefix: '/', target: 'hello' },
    { host: 'hello.localhost', pathPrefix: '/api', target: 'hello-api' },
    { host: '*.example.com', pathPrefix: '/', target: 'wild' },
    { host: '*.eu.example.com', pathPrefix: '/', target: 'wild-eu' },
    { host: 'only-api.localhost', pathPrefix: '/api', target: 'only-api' },
    { pathPrefix: '/static/', target: 'static' },
    { pathPrefix: '/', target: 'catch-all' },
  ]);

  it.each([
    ['hello.localhost', '/', 'hello'],
    ['HELLO.localhost:8000', '/x', 'hello'],
    ['hello.localhost', '/api', 'hello-api'],
    ['hello.localhost', '/api/v1/users', 'hello-api'],
    ['hello.localhost', '/api?x=1', 'hello-api'],
    ['hello.localhost', '/apix', 'hello'],
    ['a.example.com', '/', 'wild'],
    ['a.b.example.com', '/', 'wild'],
    ['fr.eu.example.com', '/', 'wild-eu'],
    ['example.com', '/', 'catch-all'],
    ['only-api.localhost', '/api/x', 'only-api'],
    ['only-api.localhost', '/other', 'catch-all'],
    ['unknown.localhost', '/static/app.js', 'static'],
    ['unknown.localhost', '/static', 'catch-all'],
    ['', '/', 'catch-all'],
    ['hello.localhost.', '/', 'hello'],
  ])('%s %s → %s', (host, path, target) => expect(table.match(host, path)).toBe(target));

  it('answers undefined when nothing matches', () => {
    const narrow = new RouteTable([{ host: 'a.localhost', pathPrefix: '/', target: 1 }]);
    expect(narrow.match('b.localhost', '/')).toBeUndefined();
    expect(new RouteTable([]).match('a', '/')).toBeUndefined();
  });
});

describe('normalizeHost', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['[::1]:8000', '[::1]'],
    ['[::1]', '[::1]'],
    ['127.0.0.1:80', '127.0.0.1'],
  ])('%s → %s', (input, output) => expect(normalizeHost(input)).toBe(output));
});
