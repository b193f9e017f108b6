import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { DuckDBInstance } from '@duckdb/node-api';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import { ConfigError } from '../../src/errors.js';
import type { TableSchema } from '../../src/schema/table-schema.js';
import type { Destination, LoadCommit } from '../../destinations/destination.js';
import { filesystem, FilesystemReader, LocalFileStore, type LoadMarker } from '../../destinations/filesystem/index.js';
import { FilesystemSession } from '../../destinations/filesystem/filesystem-session.js';
import { RuntimeSession } from '../../destinations/runtime-session.js';
import { startAzurite, AZURITE_ACCOUNT, AZURITE_KEY, type Azurite } from '../helpers/azurite.js';
import { recordConnections } from '../helpers/connections.js';
import { FakeGcs } from '../helpers/fake-gcs/fake-gcs.js';
import { runConformanceSuite } from './conformance.js';

/** s3rver ships no types; this is the part the tests use. */
interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverServer;
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** A local store whose load-marker writes fail while `failMarkers` is set: a crash right before a commit point. */
class MarkerFailingStore extends LocalFileStore {
  failMarkers = false;

  override async put(key: string, body: Uint8Array): Promise<void> {
    if (this.failMarkers && key.includes('/_dlt_loads/')) throw new Error('disk full');
    return super.put(key, body);
  }
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'notionflow-fs-'));
}

let s3: { server: S3rverServer; dir: string; endpoint: string; client: S3Client } | undefined;
let gcs: FakeGcs | undefined;
let azurite: Azurite | undefined;
let bucketSeq = 0;
// Every TCP connection this file's clients attempt (S3, GCS and Azure SDKs); checked by the last test.
const connections = recordConnections();

beforeAll(async () => {
  // A page of 50 makes the GCS client follow nextPageToken in the conformance suite's lists.
  [gcs, azurite] = await Promise.all([FakeGcs.start({ pageSize: 50 }), startAzurite()]);
  const dir = await tempDir();
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, resetOnClose: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' });
  s3 = { server, dir, endpoint, client };
});

afterAll(async () => {
  connections.stop();
  await gcs?.close();
  await azurite?.stop();
  if (!s3) return;
  s3.client.destroy();
  await s3.server.close();
  await rm(s3.dir, { recursive: true, force: true });
});

/** A fresh bucket on the s3rver of this file. */
async function s3Destination(format: 'parquet' | 'jsonl' = 'parquet'): Promise<Destination> {
  const bucket = `nf-test-${++bucketSeq}`;
  await s3!.client.send(new CreateBucketCommand({ Bucket: bucket }));
  return filesystem({ bucketUrl: `s3://${bucket}/lake`, format, s3: { endpoint: s3!.endpoint, ...CREDENTIALS } });
}

/** A fresh bucket on the fake GCS of this file. */
function gcsDestination(format: 'parquet' | 'jsonl' = 'parquet'): { destination: Destination; bucket: string } {
  const bucket = `nf-gcs-${++bucketSeq}`;
  gcs!.createBucket(bucket);
  return { destination: filesystem({ bucketUrl: `gs://${bucket}/lake`, format, gcs: { endpoint: gcs!.url, projectId: 'test' } }), bucket };
}

/** A fresh container on the azurite of this file, reached with the account key or with a connection string. */
async function azureDestination(format: 'parquet' | 'jsonl' = 'parquet', auth: 'key' | 'connection-string' = 'key'): Promise<{ destination: Destination; container: string }> {
  const container = `nf-az-${++bucketSeq}`;
  await BlobServiceClient.fromConnectionString(azurite!.connectionString).getContainerClient(container).create();
  const azure = auth === 'key' ? { accountName: AZURITE_ACCOUNT, accountKey: AZURITE_KEY, endpoint: azurite!.endpoint } : { connectionString: azurite!.connectionString };
  return { destination: filesystem({ bucketUrl: `az://${container}/lake`, format, azure }), container };
}

/** What the filesystem destination declares, by format (building one opens nothing). */
const capabilitiesOf = (format: 'parquet' | 'jsonl') => filesystem({ bucketUrl: 'file:///declared-only', format }).capabilities;

runConformanceSuite('filesystem (local, parquet)', capabilitiesOf('parquet'), async () => {
  const dir = await tempDir();
  return { destination: filesystem({ bucketUrl: dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

runConformanceSuite('filesystem (local, jsonl)', capabilitiesOf('jsonl'), async () => {
  const dir = await tempDir();
  return { destination: filesystem({ bucketUrl: `file://${dir}`, format: 'jsonl' }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

runConformanceSuite('filesystem (s3rver, parquet)', capabilitiesOf('parquet'), async () => ({ destination: await s3Destination(), cleanup: async () => undefined }));

runConformanceSuite('filesystem (s3rver, jsonl)', capabilitiesOf('jsonl'), async () => ({ destination: await s3Destination('jsonl'), cleanup: async () => undefined }));

runConformanceSuite('filesystem (gcs fake, parquet)', capabilitiesOf('parquet'), async () => ({ destination: gcsDestination().destination, cleanup: async () => undefined }));

runConformanceSuite('filesystem (gcs fake, jsonl)', capabilitiesOf('jsonl'), async () => ({ destination: gcsDestination('jsonl').destination, cleanup: async () => undefined }));

runConformanceSuite('filesystem (azurite, parquet)', capabilitiesOf('parquet'), async () => ({ destination: (await azureDestination()).destination, cleanup: async () => undefined }));

runConformanceSuite('filesystem (azurite, jsonl)', capabilitiesOf('jsonl'), async () => ({
  destination: (await azureDestination('jsonl', 'connection-string')).destination,
  cleanup: async () => undefined,
}));

const typed: TableSchema = {
  name: 'typed',
  columns: [
    { name: 'n', dataType: 'bigint', nullable: false },
    { name: 'd', dataType: 'double', nullable: true },
    { name: 'b', dataType: 'bool', nullable: true },
    { name: 'ts', dataType: 'timestamp', nullable: true },
    { name: 'day', dataType: 'date', nullable: true },
    { name: 's', dataType: 'text', nullable: true },
    { name: 'j', dataType: 'json', nullable: true },
  ],
  writeDisposition: 'append',
};
const typedRows = [
  { n: 1, d: 1.5, b: true, ts: Date.UTC(2024, 0, 2, 3, 4, 5, 6), day: '2024-01-02', s: 'ü', j: '{"a":[1]}' },
  { n: 2, d: null, b: false, ts: null, day: null, s: null, j: null },
];

function loadOf(loadId: string, tables: readonly TableSchema[], extra: Partial<LoadCommit> = {}): LoadCommit {
  return {
    loadId,
    pipelineName: 'p',
    schemaName: 'notion',
    tables,
    schemaVersionHash: `h-${loadId}`,
    schemaChanged: true,
    state: { loadId },
    writtenTables: tables.map((t) => t.name),
    replaceTables: [],
    final: true,
    ...extra,
  };
}

async function withLocal<T>(fn: (dir: string, dest: Destination) => Promise<T>, format: 'parquet' | 'jsonl' = 'parquet'): Promise<T> {
  const dir = await tempDir();
  try {
    return await fn(dir, filesystem({ bucketUrl: dir, format }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('filesystem destination', () => {
  it('validates its config when built', () => {
    expect(() => filesystem({ bucketUrl: '' })).toThrow(ConfigError);
    expect(() => filesystem({ bucketUrl: 'hdfs://x/y' })).toThrow(/unsupported bucket URL scheme/);
    expect(() => filesystem({ bucketUrl: 's3://bucket/p' })).toThrow(/accessKeyId/);
    expect(() => filesystem({ bucketUrl: 'gs://bucket/p' })).toThrow(/gs:\/\/bucket\/p needs gcs\.credentials .*gcs\.keyFilename or gcs\.endpoint/);
    expect(() => filesystem({ bucketUrl: 'gs://bucket/p', gcs: { credentials: 'not json' } })).toThrow(/not JSON/);
    expect(() => filesystem({ bucketUrl: 'gs://bucket/p', gcs: { credentials: '{"client_email":"a@b"}' } })).toThrow(/private_key/);
    expect(() => filesystem({ bucketUrl: 'gs://Bad_Bucket/p', gcs: { endpoint: 'http://127.0.0.1:1' } })).toThrow(/not a valid GCS bucket/);
    expect(() => filesystem({ bucketUrl: 'az://container/p' })).toThrow(/az:\/\/container\/p needs azure\.connectionString, or azure\.accountName and azure\.accountKey/);
    expect(() => filesystem({ bucketUrl: 'az://container/p', azure: { accountName: 'acct' } })).toThrow(/accountKey/);
    expect(() => filesystem({ bucketUrl: 'az://a--b/p', azure: { connectionString: 'x' } })).toThrow(/not a valid Azure container/);
    expect(() => filesystem({ bucketUrl: 'abfss://container/p', azure: { connectionString: 'x' } })).toThrow(/abfss:\/\/container@account/);
    // An abfss:// URL names the account: the key is enough.
    expect(() => filesystem({ bucketUrl: 'abfss://container@acct.dfs.core.windows.net/p', azure: { accountKey: 'k' } })).not.toThrow();
    expect(() => filesystem({ bucketUrl: '/tmp/x', format: 'csv' as never })).toThrow(ConfigError);
    expect(() => filesystem({ bucketUrl: 's3://Bad_Bucket/p', s3: CREDENTIALS })).toThrow(ConfigError);
  });

  it('shows the bucket URL and dataset in its location, never the credentials', () => {
    const ctx = { pipelineName: 'p', datasetName: 'd' };
    const dest = filesystem({ bucketUrl: 's3://lake/notion/', s3: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI' } });
    const where = dest.location({ pipelineName: 'p', datasetName: 'notion_data' });
    expect(where).toBe('s3://lake/notion/notion_data');
    expect(where).not.toMatch(/AKIAEXAMPLE|wJalrXUtnFEMI/);
    expect(filesystem({ bucketUrl: 'file:///data/lake' }).location({ pipelineName: 'p', datasetName: 'd' })).toBe('/data/lake/d');
    const key = JSON.stringify({ client_email: 'loader@p.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nMIIEsecret' });
    const onGcs = filesystem({ bucketUrl: 'gs://lake/notion', gcs: { credentials: key } }).location(ctx);
    expect(onGcs).toBe('gs://lake/notion/d');
    const onAzure = filesystem({ bucketUrl: 'az://lake', azure: { accountName: 'acct', accountKey: 'c2VjcmV0a2V5' } }).location(ctx);
    expect(onAzure).toBe('az://lake/d');
    const onAbfss = filesystem({ bucketUrl: 'abfss://lake@acct.dfs.core.windows.net/n/', azure: { accountKey: 'c2VjcmV0a2V5' } }).location(ctx);
    expect(onAbfss).toBe('abfss://lake@acct.dfs.core.windows.net/n/d');
    expect([onGcs, onAzure, onAbfss].join()).not.toMatch(/secret|c2VjcmV0a2V5/);
  });

  it('declares append and replace only, so the pipeline appends instead of merging', () => {
    const caps = filesystem({ bucketUrl: '/tmp/x' }).capabilities;
    expect(caps.writeDispositions).toEqual(['append', 'replace']);
    expect(caps.loadFormat).toBe('parquet');
    expect(filesystem({ bucketUrl: '/tmp/x', format: 'jsonl' }).capabilities.loadFormat).toBe('jsonl');
  });

  it('writes Parquet that DuckDB read_parquet reads with the expected column types and values', async () => {
    await withLocal(async (dir, dest) => {
      const s = new RuntimeSession(await dest.open({ pipelineName: 'p', datasetName: 'ds' }));
      await s.readState('p');
      await s.ensureSchema([typed]);
      await s.write('typed', recordBatchOf(typed.columns, typedRows));
      await s.commit(loadOf('1700000000.000001', [typed]));
      await s.close();
      const files = await readdir(join(dir, 'ds', 'typed'));
      expect(files).toEqual(['1700000000.000001.1.parquet']);
      const db = await DuckDBInstance.create(':memory:');
      const con = await db.connect();
      try {
        const path = join(dir, 'ds', 'typed', files[0]!);
        const types = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRowObjectsJS();
        expect(types.map((r) => [r['column_name'], r['column_type']])).toEqual([
          ['n', 'BIGINT'],
          ['d', 'DOUBLE'],
          ['b', 'BOOLEAN'],
          ['ts', 'TIMESTAMP WITH TIME ZONE'],
          ['day', 'DATE'],
          ['s', 'VARCHAR'],
          ['j', 'VARCHAR'],
        ]);
        const rows = (await con.runAndReadAll(`SELECT n, d, b, epoch_ms(ts) AS ts, CAST(day AS VARCHAR) AS day, s, j FROM read_parquet('${path}') ORDER BY n`)).getRowObjectsJS();
        expect(rows).toEqual([
          { n: 1n, d: 1.5, b: true, ts: BigInt(typedRows[0]!.ts!), day: '2024-01-02', s: 'ü', j: '{"a":[1]}' },
          { n: 2n, d: null, b: false, ts: null, day: null, s: null, j: null },
        ]);
      } finally {
        con.closeSync();
        db.closeSync();
      }
    });
  });

  it('writes text_list as a Parquet list of strings and a JSON array, null in a batch cut before the column was added', async () => {
    const v1: TableSchema = { name: 'tagged', columns: [{ name: 'n', dataType: 'bigint', nullable: false }], writeDisposition: 'append' };
    const v2: TableSchema = { ...v1, columns: [...v1.columns, { name: 'tags', dataType: 'text_list', nullable: true }] };
    for (const format of ['parquet', 'jsonl'] as const) {
      await withLocal(async (dir, dest) => {
        const s = new RuntimeSession(await dest.open({ pipelineName: 'p', datasetName: 'ds' }));
        await s.readState('p');
        await s.ensureSchema([v1]);
        await s.ensureSchema([v2]);
        await s.write('tagged', recordBatchOf(v2.columns, [{ n: 1, tags: ['x', null, '"y",{z}\\'] }, { n: 2, tags: [] }, { n: 3, tags: null }]));
        await s.write('tagged', recordBatchOf(v1.columns, [{ n: 4 }]));
        await s.commit(loadOf('l1', [v2]));
        await s.close();
        const path = join(dir, 'ds', 'tagged', `l1.1.${format}`);
        const db = await DuckDBInstance.create(':memory:');
        const con = await db.connect();
        try {
          const source = format === 'parquet' ? `read_parquet('${path}')` : `read_json('${path}', format = 'newline_delimited')`;
          const types = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJS();
          expect(types.map((r) => [r['column_name'], r['column_type']])).toEqual([['n', 'BIGINT'], ['tags', 'VARCHAR[]']]);
          const rows = (await con.runAndReadAll(`SELECT n, tags FROM ${source} ORDER BY n`)).getRowObjectsJS();
          expect(rows).toEqual([
            { n: 1n, tags: ['x', null, '"y",{z}\\'] },
            { n: 2n, tags: [] },
            { n: 3n, tags: null },
            { n: 4n, tags: null },
          ]);
        } finally {
          con.closeSync();
          db.closeSync();
        }
      }, format);
    }
  });

  it('writes JSON lines with ISO timestamps (µs), dates and json values', async () => {
    await withLocal(async (dir, dest) => {
      const s = new RuntimeSession(await dest.open({ pipelineName: 'p', datasetName: 'ds' }));
      await s.readState('p');
      await s.ensureSchema([typed]);
      await s.write('typed', recordBatchOf(typed.columns, typedRows));
      await s.commit(loadOf('l1', [typed]));
      await s.close();
      const store = new LocalFileStore(dir);
      const text = Buffer.from((await store.get('ds/typed/l1.1.jsonl'))!).toString('utf8');
      expect(text.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual([
        { n: 1, d: 1.5, b: true, ts: '2024-01-02T03:04:05.006000Z', day: '2024-01-02', s: 'ü', j: { a: [1] } },
        { n: 2, d: null, b: false, ts: null, day: null, s: null, j: null },
      ]);
    }, 'jsonl');
  });

  it('keeps a half load (files moved, no marker) invisible, and commits it once the marker is written', async () => {
    await withLocal(async (dir, dest) => {
      const s = new RuntimeSession(await dest.open({ pipelineName: 'p', datasetName: 'ds' }));
      await s.readState('p');
      await s.ensureSchema([typed]);
      await s.write('typed', recordBatchOf(typed.columns, typedRows));
      await s.commit(loadOf('l1', [typed]));
      await s.write('typed', recordBatchOf(typed.columns, [{ n: 3 }]));
      await s.commit(loadOf('l2', [typed]));
      await s.close();
      const store = new LocalFileStore(dir);
      // Simulate a crash of l2 right before its marker: its data and state files are in place.
      const marker = (await store.get('ds/_dlt_loads/l2.json'))!;
      await store.delete(['ds/_dlt_loads/l2.json']);
      expect((await readdir(join(dir, 'ds', 'typed'))).sort()).toEqual(['l1.1.parquet', 'l2.2.parquet']);

      const reader = new FilesystemReader(store, 'ds');
      const after = new RuntimeSession(await dest.open({ pipelineName: 'p', datasetName: 'ds' }));
      try {
        expect((await reader.query('SELECT n FROM ds.typed ORDER BY n')).rows).toEqual([{ n: 1 }, { n: 2 }]);
        expect((await after.readState('p'))?.loadId).toBe('l1');
        expect((await after.query('SELECT load_id FROM ds._dlt_loads')).rows).toEqual([{ load_id: 'l1' }]);
        await store.put('ds/_dlt_loads/l2.json', marker);
        expect((await reader.query('SELECT n FROM ds.typed ORDER BY n')).rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
        expect((await after.readState('p'))?.loadId).toBe('l2');
      } finally {
        await reader.close();
        await after.close();
      }
    });
  });

  it('a later commit of a load that fails before its marker leaves the previous commit whole: its files, its state, one state file', async () => {
    const dir = await tempDir();
    const store = new MarkerFailingStore(dir);
    try {
      const s = new RuntimeSession(new FilesystemSession(store, { pipelineName: 'p', datasetName: 'ds' }, { format: 'parquet', maxFileBytes: 1 << 20 }));
      await s.readState('p');
      await s.ensureSchema([typed]);
      await s.write('typed', recordBatchOf(typed.columns, [{ n: 1 }]));
      await s.commit(loadOf('l1', [typed], { state: { unit: 1 }, final: false }));
      await s.write('typed', recordBatchOf(typed.columns, [{ n: 2 }]));
      await s.commit(loadOf('l1', [typed], { state: { unit: 2 }, final: false, schemaChanged: false }));
      store.failMarkers = true;
      await s.write('typed', recordBatchOf(typed.columns, [{ n: 3 }]));
      await expect(s.commit(loadOf('l1', [typed], { state: { unit: 3 }, final: true, schemaChanged: false }))).rejects.toThrow(/failed at _dlt_loads.*disk full/);
      store.failMarkers = false;
      await s.rollback();
      await s.close();

      const after = new RuntimeSession(await filesystem({ bucketUrl: dir }).open({ pipelineName: 'p', datasetName: 'ds' }));
      try {
        expect((await after.readState('p'))?.state).toEqual({ unit: 2 });
        expect((await after.query('SELECT n FROM ds.typed ORDER BY n')).rows).toEqual([{ n: 1 }, { n: 2 }]);
        expect((await after.query('SELECT _dlt_load_id, state FROM ds._dlt_pipeline_state')).rows).toEqual([{ _dlt_load_id: 'l1', state: '{"unit":2}' }]);
        expect((await after.query('SELECT load_id, status FROM ds._dlt_loads')).rows).toEqual([{ load_id: 'l1', status: 1 }]);
        // The failed commit's data and state files are gone; the first commit's state file was replaced by the second's.
        expect(await readdir(join(dir, 'ds', '_dlt_pipeline_state', 'p'))).toEqual([`l1__${md5('{"unit":2}')}.json`]);
        expect((await readdir(join(dir, 'ds', 'typed'))).sort()).toEqual(['l1.1.parquet', 'l1.2.parquet']);
      } finally {
        await after.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ignores a data file that its load marker does not list', async () => {
    await withLocal(async (dir, dest) => {
      const s = new RuntimeSession(await dest.open({ pipelineName: 'p', datasetName: 'ds' }));
      await s.readState('p');
      await s.ensureSchema([typed]);
      await s.write('typed', recordBatchOf(typed.columns, typedRows));
      await s.commit(loadOf('l1', [typed]));
      const store = new LocalFileStore(dir);
      await store.put('ds/typed/l1.99.parquet', (await store.get('ds/typed/l1.1.parquet'))!);
      expect((await s.query('SELECT count(*) AS c FROM ds.typed')).rows).toEqual([{ c: 2 }]);
      await s.close();
    });
  });

  it('starts a new file when a table gains columns within a load', async () => {
    await withLocal(async (dir, dest) => {
      const v1 = typed;
      const v2: TableSchema = { ...typed, columns: [...typed.columns, { name: 'extra', dataType: 'text', nullable: true }] };
      const s = new RuntimeSession(await dest.open({ pipelineName: 'p', datasetName: 'ds' }));
      await s.readState('p');
      await s.ensureSchema([v1]);
      await s.write('typed', recordBatchOf(v1.columns, [{ n: 1 }]));
      await s.write('typed', recordBatchOf(v1.columns, [{ n: 2 }]));
      await s.ensureSchema([v2]);
      await s.write('typed', recordBatchOf(v2.columns, [{ n: 3, extra: 'x' }]));
      await s.write('typed', recordBatchOf(v1.columns, [{ n: 4 }]));
      await s.commit(loadOf('l1', [v2]));
      const marker = JSON.parse(Buffer.from((await new LocalFileStore(dir).get('ds/_dlt_loads/l1.json'))!).toString()) as LoadMarker;
      expect(marker.files.map((f) => [f.file, f.rows, f.columns.length])).toEqual([
        ['l1.1.parquet', 2, 7],
        ['l1.2.parquet', 2, 8],
      ]);
      expect((await readdir(join(dir, 'ds', 'typed'))).sort()).toEqual(['l1.1.parquet', 'l1.2.parquet']);
      expect((await s.query('SELECT n, extra FROM ds.typed ORDER BY n')).rows).toEqual([
        { n: 1, extra: null },
        { n: 2, extra: null },
        { n: 3, extra: 'x' },
        { n: 4, extra: null },
      ]);
      await s.close();
    });
  });

  it('cuts a table into several files at maxFileBytes', async () => {
    const dir = await tempDir();
    try {
      const dest = filesystem({ bucketUrl: dir, maxFileBytes: 1 });
      const s = new RuntimeSession(await dest.open({ pipelineName: 'p', datasetName: 'ds' }));
      await s.readState('p');
      await s.ensureSchema([typed]);
      for (let n = 1; n <= 3; n++) await s.write('typed', recordBatchOf(typed.columns, [{ n }]));
      expect(await readdir(join(dir, 'ds'))).toEqual(['_staging']);
      await s.commit(loadOf('l1', [typed]));
      expect((await readdir(join(dir, 'ds', 'typed'))).sort()).toEqual(['l1.1.parquet', 'l1.2.parquet', 'l1.3.parquet']);
      expect((await readdir(join(dir, 'ds'))).sort()).toEqual(['_dlt_loads', '_dlt_pipeline_state', '_dlt_version', 'typed']);
      await s.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes out the largest buffer when all tables together hold four files worth of batches', async () => {
    const dir = await tempDir();
    try {
      const tables = ['a', 'b', 'c', 'd', 'e'].map((name): TableSchema => ({ ...typed, name }));
      const batchBytes = (t: TableSchema) => recordBatchOf(t.columns, [{ n: 1 }]).data.children.reduce((s, d) => s + d.byteLength, 0);
      // Each table stays below one file; the fifth batch takes the total over four files.
      const dest = filesystem({ bucketUrl: dir, maxFileBytes: batchBytes(typed) + 1 });
      const s = new RuntimeSession(await dest.open({ pipelineName: 'p', datasetName: 'ds' }));
      await s.readState('p');
      await s.ensureSchema(tables);
      for (const t of tables.slice(0, 4)) await s.write(t.name, recordBatchOf(t.columns, [{ n: 1 }]));
      expect(await readdir(join(dir))).toEqual([]);
      await s.write('e', recordBatchOf(typed.columns, [{ n: 1 }]));
      const staged = await readdir(join(dir, 'ds', '_staging'), { recursive: true });
      expect(staged.filter((f) => f.endsWith('.parquet'))).toHaveLength(1);
      await s.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads, replaces and reads back on S3 with the dlt layout', async () => {
    const dest = await s3Destination();
    const s = new RuntimeSession(await dest.open({ pipelineName: 'p', datasetName: 'ds' }));
    const replaced: TableSchema = { ...typed, writeDisposition: 'replace' };
    await s.readState('p');
    await s.ensureSchema([replaced]);
    await s.write('typed', recordBatchOf(typed.columns, typedRows));
    await s.commit(loadOf('l1', [replaced], { replaceTables: ['typed'] }));
    await s.write('typed', recordBatchOf(typed.columns, [{ n: 7 }]));
    await s.commit(loadOf('l2', [replaced], { replaceTables: ['typed'] }));
    expect((await s.query('SELECT n FROM ds.typed')).rows).toEqual([{ n: 7 }]);
    await s.close();
    const bucket = `nf-test-${bucketSeq}`;
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const listed = await s3!.client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
      'lake/ds/_dlt_loads/l1.json',
      'lake/ds/_dlt_loads/l2.json',
      `lake/ds/_dlt_pipeline_state/p/l1__${md5(JSON.stringify({ loadId: 'l1' }))}.json`,
      `lake/ds/_dlt_pipeline_state/p/l2__${md5(JSON.stringify({ loadId: 'l2' }))}.json`,
      'lake/ds/_dlt_version/h-l1.json',
      'lake/ds/_dlt_version/h-l2.json',
      'lake/ds/typed/l2.2.parquet',
    ]);
  });
});

/** Load `typed` twice as a replace table, then return the object names the store holds. */
async function replaceTwice(dest: Destination): Promise<void> {
  const s = new RuntimeSession(await dest.open({ pipelineName: 'p', datasetName: 'ds' }));
  const replaced: TableSchema = { ...typed, writeDisposition: 'replace' };
  try {
    await s.readState('p');
    await s.ensureSchema([replaced]);
    await s.write('typed', recordBatchOf(typed.columns, typedRows));
    await s.commit(loadOf('l1', [replaced], { replaceTables: ['typed'] }));
    await s.write('typed', recordBatchOf(typed.columns, [{ n: 7 }]));
    await s.commit(loadOf('l2', [replaced], { replaceTables: ['typed'] }));
    expect((await s.query('SELECT n FROM ds.typed')).rows).toEqual([{ n: 7 }]);
  } finally {
    await s.close();
  }
}

const DLT_LAYOUT = [
  'lake/ds/_dlt_loads/l1.json',
  'lake/ds/_dlt_loads/l2.json',
  `lake/ds/_dlt_pipeline_state/p/l1__${md5(JSON.stringify({ loadId: 'l1' }))}.json`,
  `lake/ds/_dlt_pipeline_state/p/l2__${md5(JSON.stringify({ loadId: 'l2' }))}.json`,
  'lake/ds/_dlt_version/h-l1.json',
  'lake/ds/_dlt_version/h-l2.json',
  'lake/ds/typed/l2.2.parquet',
];

describe('filesystem destination on GCS and Azure Blob', () => {
  it('loads, replaces and reads back on GCS (fake JSON API) with the dlt layout', async () => {
    const { destination, bucket } = gcsDestination();
    const before = gcs!.requests.length;
    await replaceTwice(destination);
    expect(gcs!.objectNames(bucket)).toEqual(DLT_LAYOUT);
    const kinds = new Set(gcs!.requests.slice(before).map((r) => r.kind));
    // Staged files are moved with a server-side rewrite, small files go up in one multipart request.
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['delete', 'download', 'list', 'rewrite', 'upload:multipart']));
  });

  it('sends files above 8 MiB to GCS as a resumable upload, and reads them back whole', async () => {
    const { GcsFileStore } = await import('../../destinations/filesystem/gcs-file-store.js');
    const bucket = `nf-gcs-${++bucketSeq}`;
    gcs!.createBucket(bucket);
    const store = new GcsFileStore(bucket, 'p', { endpoint: gcs!.url }, await import('@google-cloud/storage'));
    const body = Buffer.alloc(9 * 1024 * 1024 + 3, 'x');
    body.write('end', body.length - 3);
    const before = gcs!.requests.length;
    await store.put('big.bin', body);
    expect(gcs!.requests.slice(before).map((r) => r.kind)).toEqual(['upload:resumable', 'upload:chunk']);
    expect(Buffer.from((await store.get('big.bin'))!).equals(body)).toBe(true);
    expect(await store.get('missing.bin')).toBeUndefined();
    await store.close();
  });

  it('loads, replaces and reads back on Azure Blob (azurite) with the dlt layout', async () => {
    const { destination, container } = await azureDestination();
    await replaceTwice(destination);
    const names: string[] = [];
    for await (const blob of BlobServiceClient.fromConnectionString(azurite!.connectionString).getContainerClient(container).listBlobsFlat()) names.push(blob.name);
    expect(names.sort()).toEqual(DLT_LAYOUT);
  });

  it('turns a missing GCS bucket into a DestinationError that names it, when the state is read', async () => {
    const dest = filesystem({ bucketUrl: 'gs://nf-no-such-bucket/lake', gcs: { endpoint: gcs!.url } });
    const s = new RuntimeSession(await dest.open({ pipelineName: 'p', datasetName: 'ds' }));
    try {
      await expect(s.readState('p')).rejects.toThrow(/^filesystem: could not read the pipeline state: The specified bucket does not exist: nf-no-such-bucket$/);
    } finally {
      await s.close();
    }
  });
});

// Last in the file: jest runs a file's tests in order, so this sees every connection of the tests above.
describe('filesystem destination network', () => {
  it('sent every connection of the S3, GCS and Azure clients to 127.0.0.1', () => {
    expect(connections.attempts.length).toBeGreaterThan(0);
    expect(connections.attempts.filter((a) => !a.startsWith('127.0.0.1:'))).toEqual([]);
  });
});
