/** The HTTP semantics suite on the uWebSockets.js engine. */
import { proxyHttpSuite } from './proxy-http-cases.js';

proxyHttpSuite('uws');
