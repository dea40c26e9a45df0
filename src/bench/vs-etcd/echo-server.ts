// Entry point of one echo server process (echo-cluster.ts forks it): `node echo-server.js leader|follower`.
import { serveEcho } from './echo-cluster.js';

serveEcho(process.argv[2] === 'leader' ? 'leader' : 'follower');
