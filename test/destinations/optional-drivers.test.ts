import { describe, expect, it, jest } from '@jest/globals';
import { ConfigError } from '../../src/errors.js';
import { MissingPackageError } from '../../destinations/errors.js';
import { filesystem } from '../../destinations/filesystem/index.js';
import { importOptional, nativeImport, type Importer } from '../../destinations/optional-import.js';
import { postgres } from '../../destinations/postgres/index.js';
import { redshift } from '../../destinations/redshift/index.js';
import { bigquery } from '../../destinations/bigquery/index.js';
import { snowflake } from '../../destinations/snowflake/index.js';

/** An importer for which `missing` are not installed: it fails as Node's `import()` does then. */
function without(...missing: string[]): Importer & jest.Mock<Importer> {
  return jest.fn<Importer>(async (specifier) => {
    if (missing.includes(specifier)) {
      throw Object.assign(new Error(`Cannot find package '${specifier}' imported from /project/node_modules/notionflow/dist/destinations/optional-import.js`), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
    }
    return nativeImport(specifier);
  });
}

const ctx = { pipelineName: 'p', datasetName: 'd' };
const REDSHIFT = { host: '127.0.0.1', port: 1, database: 'dev', user: 'u', s3: { bucket: 'b' }, iamRole: 'arn:aws:iam::123456789012:role/r' };

describe('optional drivers', () => {
  it.each([
    ['postgres', () => postgres({ credentials: 'postgresql://loader@127.0.0.1:1/db' }, without('pg')), 'npm install pg pg-copy-streams'],
    ['postgres (pg-copy-streams)', () => postgres({ credentials: 'postgresql://loader@127.0.0.1:1/db' }, without('pg-copy-streams')), 'npm install pg pg-copy-streams'],
    ['snowflake', () => snowflake({ account: 'acme', username: 'u', password: 'p', database: 'RAW' }, without('snowflake-sdk')), 'npm install snowflake-sdk'],
    ['redshift', () => redshift(REDSHIFT, without('pg')), 'npm install pg @aws-sdk/client-s3'],
    ['redshift (@aws-sdk/client-s3)', () => redshift(REDSHIFT, without('@aws-sdk/client-s3')), 'npm install pg @aws-sdk/client-s3'],
    ['bigquery', () => bigquery({ projectId: 'my-project', accessToken: 'token' }, without('@google-cloud/bigquery')), 'npm install @google-cloud/bigquery'],
    [
      'filesystem on s3',
      () => filesystem({ bucketUrl: 's3://bucket/prefix', s3: { accessKeyId: 'AKIA', secretAccessKey: 'secret' } }, without('@aws-sdk/lib-storage')),
      'npm install @aws-sdk/client-s3 @aws-sdk/lib-storage',
    ],
    [
      'filesystem on gcs',
      () => filesystem({ bucketUrl: 'gs://bucket/prefix', gcs: { endpoint: 'http://127.0.0.1:1' } }, without('@google-cloud/storage')),
      'npm install @google-cloud/storage',
    ],
    [
      'filesystem on azure',
      () => filesystem({ bucketUrl: 'az://container/prefix', azure: { accountName: 'acct', accountKey: 'a2V5' } }, without('@azure/storage-blob')),
      'npm install @azure/storage-blob',
    ],
  ])('%s: a missing driver is one typed line saying what to install, when a session opens', async (_name, make, install) => {
    const destination = make();
    const error = await destination.open(ctx).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(MissingPackageError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(install);
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('checks the configuration before it imports a driver', () => {
    const importer = without('pg', 'pg-copy-streams', 'snowflake-sdk', '@aws-sdk/client-s3', '@google-cloud/bigquery');
    expect(() => postgres({ credentials: 'mysql://nope' }, importer)).toThrow(/postgresql:\/\//);
    expect(() => snowflake({ username: 'u', password: 'p', database: 'RAW' }, importer)).toThrow(/account/);
    expect(() => redshift({ ...REDSHIFT, iamRole: undefined }, importer)).toThrow(/COPY needs an authorization/);
    expect(() => bigquery({ projectId: '' }, importer)).toThrow(/projectId/);
    expect(importer).not.toHaveBeenCalled();
  });

  it('passes other import failures through: a broken install is not a missing package', async () => {
    const broken = Object.assign(new Error("Cannot find package 'pg-types' imported from /project/node_modules/pg/lib/index.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(importOptional('postgres', ['pg'], async () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
