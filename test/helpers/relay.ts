/**
 * A TCP relay on 127.0.0.1 whose target is set after it starts: a stand-in for a port-forward or
 * a load balancer in front of Olla, so a test can give Olla an endpoint URL that leads back to
 * Olla itself (whose port is only known once it listens). Counts the HTTP requests it carries.
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

export interface Relay {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Where connections go from now on: an `http://host:port` URL. */
  target(url: string): void;
  /** Request lines seen going towards the target (`GET /…`, `POST /…`), across every connection. */
  requests(): string[];
  close(): Promise<void>;
}

const REQUEST_LINE = /(?:^|\r\n)((?:GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH) \S+) HTTP\/1\.1\r\n/g;

export async function startRelay(): Promise<Relay> {
  let target: URL | undefined;
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (target === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString('latin1').matchAll(REQUEST_LINE)) seen.push(match[1]!);
    });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    target: (url) => {
      target = new URL(url);
    },
    requests: () => [...seen],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
