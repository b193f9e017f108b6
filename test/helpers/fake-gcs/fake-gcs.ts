import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

/** One request the fake answered. */
export interface GcsRequest {
  readonly method: string;
  /** `upload:multipart`, `upload:resumable`, `upload:chunk`, `list`, `get`, `download`, `delete`, `rewrite`, `bucket`… */
  readonly kind: string;
  /** The object (or bucket) it named. */
  readonly name: string;
  /** The client's address, as the server saw it. */
  readonly remoteAddress: string;
}

/** Options of {@link FakeGcs.start}. */
export interface FakeGcsOptions {
  /** Objects per page of a list; small values make the client follow `nextPageToken`. Default 1000. */
  readonly pageSize?: number;
}

interface StoredObject {
  readonly body: Buffer;
  readonly generation: number;
  readonly updated: string;
}

interface ResumableSession {
  readonly bucket: string;
  readonly name: string;
  readonly chunks: Buffer[];
  received: number;
}

/**
 * A small fake of the GCS JSON API on 127.0.0.1, enough for `@google-cloud/storage` 7 with `apiEndpoint`:
 * buckets (create, get), multipart and resumable uploads, list with pages, metadata and `alt=media`
 * downloads (with `x-goog-hash`), delete, and same-bucket `rewriteTo` (what `File.copy` sends). Object
 * resources carry `crc32c` and `md5Hash`: the client validates uploads against them. No auth, no
 * generations preconditions, no ACLs.
 */
export class FakeGcs {
  readonly #server: Server;
  readonly #pageSize: number;
  readonly #buckets = new Map<string, Map<string, StoredObject>>();
  readonly #sessions = new Map<string, ResumableSession>();
  readonly #log: GcsRequest[] = [];
  #generation = 0;
  #sessionSeq = 0;

  private constructor(server: Server, options: FakeGcsOptions) {
    this.#server = server;
    this.#pageSize = options.pageSize ?? 1000;
  }

  /** Start the fake on 127.0.0.1 with a free port. */
  static async start(options: FakeGcsOptions = {}): Promise<FakeGcs> {
    const server = createServer();
    const fake = new FakeGcs(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.#handle(req, res).catch((err: unknown) => fake.#error(res, 500, String(err)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** `http://127.0.0.1:PORT`, the client's `apiEndpoint`. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Every request so far, in arrival order. */
  get requests(): readonly GcsRequest[] {
    return this.#log;
  }

  createBucket(name: string): void {
    if (!this.#buckets.has(name)) this.#buckets.set(name, new Map());
  }

  /** The names in `bucket`, sorted (test inspection). */
  objectNames(bucket: string): string[] {
    return [...(this.#buckets.get(bucket)?.keys() ?? [])].sort();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((err) => (err ? reject(err) : resolve())));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    // Object names arrive percent-encoded inside one path segment (`a%2Fb.json`): split first, decode after.
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const log = (kind: string, name: string): void => {
      this.#log.push({ method, kind, name, remoteAddress: req.socket.remoteAddress ?? '' });
    };

    // /upload/storage/v1/b/<bucket>/o
    if (parts[0] === 'upload' && parts[3] === 'b' && parts[5] === 'o' && parts.length === 6) {
      const bucket = parts[4]!;
      const uploadId = url.searchParams.get('upload_id');
      if (uploadId !== null) {
        log('upload:chunk', this.#sessions.get(uploadId)?.name ?? '');
        return this.#resumableChunk(req, res, uploadId, body);
      }
      const type = url.searchParams.get('uploadType');
      if (type === 'multipart') {
        const { metadata, data } = parseMultipart(req.headers['content-type'] ?? '', body);
        const name = url.searchParams.get('name') ?? String(metadata['name'] ?? '');
        log('upload:multipart', name);
        return this.#store(res, bucket, name, data);
      }
      if (type === 'resumable') {
        const metadata = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
        const name = url.searchParams.get('name') ?? String(metadata['name'] ?? '');
        log('upload:resumable', name);
        if (!this.#buckets.has(bucket)) return this.#error(res, 404, `The specified bucket does not exist: ${bucket}`);
        const id = String(++this.#sessionSeq);
        this.#sessions.set(id, { bucket, name, chunks: [], received: 0 });
        res.writeHead(200, { location: `${this.url}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&upload_id=${id}`, 'content-length': 0 });
        res.end();
        return;
      }
      return this.#error(res, 400, `uploadType ${String(type)} is not supported by the fake`);
    }

    if (parts[0] !== 'storage' || parts[1] !== 'v1' || parts[2] !== 'b') return this.#error(res, 404, `no route ${method} ${url.pathname}`);

    // /storage/v1/b (create) and /storage/v1/b/<bucket>
    if (parts.length === 3 && method === 'POST') {
      const name = String((JSON.parse(body.toString('utf8')) as { name?: unknown }).name);
      log('bucket', name);
      this.createBucket(name);
      return this.#json(res, 200, { kind: 'storage#bucket', id: name, name });
    }
    const bucket = parts[3]!;
    const objects = this.#buckets.get(bucket);
    if (parts.length === 4) {
      log('bucket', bucket);
      return objects ? this.#json(res, 200, { kind: 'storage#bucket', id: bucket, name: bucket }) : this.#error(res, 404, `The specified bucket does not exist: ${bucket}`);
    }
    if (!objects) return this.#error(res, 404, `The specified bucket does not exist: ${bucket}`);
    if (parts[4] !== 'o') return this.#error(res, 404, `no route ${method} ${url.pathname}`);

    // /storage/v1/b/<bucket>/o: list
    if (parts.length === 5 && method === 'GET') {
      const prefix = url.searchParams.get('prefix') ?? '';
      log('list', prefix);
      const names = [...objects.keys()].filter((n) => n.startsWith(prefix)).sort();
      const pageSize = Math.min(Number(url.searchParams.get('maxResults') ?? this.#pageSize), this.#pageSize);
      const token = url.searchParams.get('pageToken');
      const start = token === null ? 0 : names.findIndex((n) => n > token);
      const page = start < 0 ? [] : names.slice(start, start + pageSize);
      const more = start >= 0 && start + pageSize < names.length;
      return this.#json(res, 200, {
        kind: 'storage#objects',
        items: page.map((n) => resource(bucket, n, objects.get(n)!)),
        ...(more ? { nextPageToken: page[page.length - 1] } : {}),
      });
    }

    const name = parts[5]!;
    // /storage/v1/b/<bucket>/o/<name>/rewriteTo/b/<bucket>/o/<name>
    if (parts.length === 11 && parts[6] === 'rewriteTo' && method === 'POST') {
      log('rewrite', `${name} -> ${parts[10]}`);
      const source = objects.get(name);
      const target = this.#buckets.get(parts[8]!);
      if (!source) return this.#error(res, 404, `No such object: ${bucket}/${name}`);
      if (!target) return this.#error(res, 404, `The specified bucket does not exist: ${parts[8]}`);
      const stored = this.#put(target, parts[10]!, source.body);
      const size = String(source.body.length);
      return this.#json(res, 200, { kind: 'storage#rewriteResponse', totalBytesRewritten: size, objectSize: size, done: true, resource: resource(parts[8]!, parts[10]!, stored) });
    }
    if (parts.length !== 6) return this.#error(res, 404, `no route ${method} ${url.pathname}`);
    const object = objects.get(name);
    if (method === 'DELETE') {
      log('delete', name);
      if (!object) return this.#error(res, 404, `No such object: ${bucket}/${name}`);
      objects.delete(name);
      res.writeHead(204).end();
      return;
    }
    if (method === 'GET') {
      const media = url.searchParams.get('alt') === 'media';
      log(media ? 'download' : 'get', name);
      if (!object) return this.#error(res, 404, `No such object: ${bucket}/${name}`);
      if (!media) return this.#json(res, 200, resource(bucket, name, object));
      const hash = hashes(object.body);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': object.body.length,
        'x-goog-hash': `crc32c=${hash.crc32c},md5=${hash.md5Hash}`,
        'x-goog-stored-content-encoding': 'identity',
        'x-goog-generation': String(object.generation),
      });
      res.end(object.body);
      return;
    }
    return this.#error(res, 405, `${method} is not supported by the fake`);
  }

  /** A PUT of (part of) a resumable upload's bytes: `Content-Range: bytes <from>-<to>/<total or *>`. */
  #resumableChunk(req: IncomingMessage, res: ServerResponse, id: string, body: Buffer): void {
    const session = this.#sessions.get(id);
    if (!session) return this.#error(res, 404, `no upload session ${id}`);
    // `bytes 0-*/*` (what the client sends when it streams everything in one request): the upload ends with the request.
    const range = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/.exec(String(req.headers['content-range'] ?? 'bytes */*'));
    if (!range) return this.#error(res, 400, `bad Content-Range ${String(req.headers['content-range'])}`);
    if (range[1] !== undefined && Number(range[1]) !== session.received) return this.#error(res, 400, `chunk starts at ${range[1]}, expected ${session.received}`);
    session.chunks.push(body);
    session.received += body.length;
    const total = range[3] !== '*' ? Number(range[3]) : range[2] === '*' ? session.received : undefined;
    if (total === undefined || session.received < total) {
      res.writeHead(308, session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {}).end();
      return;
    }
    this.#sessions.delete(id);
    return this.#store(res, session.bucket, session.name, Buffer.concat(session.chunks));
  }

  #store(res: ServerResponse, bucket: string, name: string, data: Buffer): void {
    const objects = this.#buckets.get(bucket);
    if (!objects) return this.#error(res, 404, `The specified bucket does not exist: ${bucket}`);
    this.#json(res, 200, resource(bucket, name, this.#put(objects, name, data)));
  }

  #put(objects: Map<string, StoredObject>, name: string, body: Buffer): StoredObject {
    const stored = { body, generation: ++this.#generation, updated: new Date().toISOString() };
    objects.set(name, stored);
    return stored;
  }

  #json(res: ServerResponse, status: number, value: unknown): void {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  #error(res: ServerResponse, status: number, message: string): void {
    if (res.headersSent) return void res.destroy();
    this.#json(res, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason: status === 404 ? 'notFound' : 'invalid' }] } });
  }
}

function resource(bucket: string, name: string, object: StoredObject): Record<string, unknown> {
  return {
    kind: 'storage#object',
    id: `${bucket}/${name}/${object.generation}`,
    name,
    bucket,
    generation: String(object.generation),
    metageneration: '1',
    size: String(object.body.length),
    contentType: 'application/octet-stream',
    timeCreated: object.updated,
    updated: object.updated,
    ...hashes(object.body),
  };
}

function hashes(body: Buffer): { crc32c: string; md5Hash: string } {
  const crc = new CRC32C();
  crc.update(body);
  return { crc32c: crc.toString(), md5Hash: createHash('md5').update(body).digest('base64') };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A `multipart/related` upload: the JSON metadata part, then the media part. */
function parseMultipart(contentType: string, body: Buffer): { metadata: Record<string, unknown>; data: Buffer } {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no multipart boundary in "${contentType}"`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    // Each part: CRLF, headers, CRLF CRLF, content, CRLF before the next delimiter.
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    parts.push(part.subarray(headerEnd + 4, part.length - 2));
    at = next;
  }
  if (parts.length !== 2) throw new Error(`expected 2 multipart parts, got ${parts.length}`);
  return { metadata: JSON.parse(parts[0]!.toString('utf8')) as Record<string, unknown>, data: parts[1]! };
}
