import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free port on 127.0.0.1 (bound, then released for the child to take). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * moto (AWS API emulator, preinstalled) as a server on 127.0.0.1 for one test file: the real SDK clients talk to it
 * through `endpoint`. Ready when `/moto-api/data.json` answers; SIGTERM on stop.
 *
 * @example
 * const moto = await startMoto();
 * const client = new EventBridgeClient({ endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials });
 * await moto.stop();
 */
export async function startMoto(): Promise<{
  url: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(new Error(`moto_server did not start (pip install 'moto[server]'): ${err.message}`)),
    );
    child.once('exit', (code) => reject(new Error(`moto_server exited (${code}):\n${stderr}`)));
  });
  exited.catch(() => undefined);
  for (const started = Date.now(); ; ) {
    if (Date.now() - started > 30_000) throw new Error(`moto_server not ready after 30 s:\n${stderr}`);
    const up = await Promise.race([
      fetch(`${url}/moto-api/data.json`).then(
        (r) => r.ok,
        () => false,
      ),
      exited,
    ]);
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
