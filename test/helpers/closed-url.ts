import { createServer } from 'node:net';

/** A URL on 127.0.0.1 where nothing listens: a port that was free a moment ago (connections are refused). */
export async function closedUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}
