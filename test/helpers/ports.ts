import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port nothing listens on right now, for tests that must start a process on a known port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Where the kernel's ports for `listen(0)` start: Linux's own figure, else the lower of Linux's and macOS's defaults. */
function ephemeralStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(start) && start > 0) return start;
  } catch {
    // Not Linux: fall through to the default.
  }
  return 32_768;
}

/** Whether `port` cannot be bound now: something listens there, or it is not ours to take. */
function taken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/**
 * A URL whose connections are refused, for a backend that is down. A port freed a moment ago can
 * be handed to the next `listen(0)`; a test whose own proxy got it then proxied to itself (one
 * property run took 580 requests). So the port is taken from below the kernel's ephemeral range,
 * where no test server is ever put, and nothing listened on it when it was chosen.
 */
export async function refusedUrl(): Promise<string> {
  const below = ephemeralStart();
  const low = Math.max(1_024, below - 10_000);
  for (let tries = 0; tries < 50 && below > low; tries++) {
    const port = low + Math.floor(Math.random() * (below - low));
    if (!(await taken(port))) return `http://127.0.0.1:${port}`;
  }
  // No room below the range (or every try was taken): a freed port, as before.
  return `http://127.0.0.1:${await freePort()}`;
}
