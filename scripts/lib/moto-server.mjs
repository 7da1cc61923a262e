// moto_server for the benchmarks: started on a free loopback port, stopped when the process exits
// (an interrupt exits through 'exit', so it is stopped then too).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Starts `moto_server`, or `python3 <launcher>` (the Access Advisor emulator), and resolves to its
 * endpoint (`http://127.0.0.1:PORT`) once it answers.
 */
export async function startMotoServer({ launcher } = {}) {
  const port = await new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => done(free));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  const moto =
    launcher === undefined
      ? spawn('moto_server', args, { stdio: 'ignore' })
      : spawn('python3', [launcher, ...args], { stdio: 'ignore' });
  process.on('exit', () => moto.kill('SIGTERM'));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
  for (let tries = 0; ; tries += 1) {
    try {
      if ((await globalThis.fetch(`${endpoint}/moto-api/`)).ok) return endpoint;
    } catch {
      // not up yet
    }
    if (tries > 150) throw new Error(`moto_server did not start on ${endpoint}`);
    await sleep(200);
  }
}
