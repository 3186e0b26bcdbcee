/** The HTTP semantics suite on the node:http engine. */
import { proxyHttpSuite } from './proxy-http-cases.js';

proxyHttpSuite('node');
