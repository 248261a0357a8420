/**
 * A stand-in for ekv-node in process-management tests, run with
 * `node -e fakeNodeScript -- <flags>`: parses --id and --listen, serves a TCP
 * echo on the listen port, prints READY, and exits 0 on SIGTERM. With
 * --crash-after-ms N it exits 7 after N ms (an unexpected exit).
 */
export const fakeNodeScript = `
const { createServer } = require('node:net');

const args = process.argv.slice(1); // with -e, user arguments start at argv[1]
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const [host, port] = (flag('--listen') ?? '127.0.0.1:0').split(':');
const server = createServer((socket) => {
  socket.on('error', () => undefined);
  socket.pipe(socket);
});
server.listen(Number(port), host, () => {
  process.stdout.write(\`READY id=\${flag('--id')} listen=\${host}:\${port} time=\${Date.now()}\n\`);
});
process.stderr.write(\`fake node \${flag('--id')} args: \${args.join(' ')}\n\`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
const crashAfterMs = flag('--crash-after-ms');
if (crashAfterMs !== undefined) setTimeout(() => process.exit(7), Number(crashAfterMs));
`;
