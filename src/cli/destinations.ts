import { readFile } from 'node:fs/promises';
import type { Destination } from '../../destinations/destination.js';
import type { FilesystemConfig } from '../../destinations/filesystem/filesystem-config.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { ConfigError } from '../errors.js';

/** A destination the CLI can build by name. */
export interface CliDestination {
  /** Its settings and what to install, for `notionflow --help`. */
  readonly help: string;
  /** Build it from its `destination.<name>` config section. */
  create(config: ResolvedConfig): Promise<Destination>;
}

/**
 * The destinations the CLI can build by name, the default first. Each module is imported only when
 * chosen, and each destination imports its driver only when a session opens, after its settings were
 * checked: a driver that is not installed costs nothing, and a missing one says what to install.
 */
export const DESTINATIONS: Readonly<Record<string, CliDestination>> = {
  duckdb: {
    help: 'an embedded file; path (default ./<pipeline-name>.duckdb)',
    create: async (config) => {
      const { duckdb } = await import('../../destinations/duckdb/duckdb-destination.js');
      const path = config.string('destination.duckdb.path');
      return duckdb(path === undefined ? {} : { path });
    },
  },
  postgres: {
    help: 'credentials = postgresql://user:password@host:port/database\nneeds: npm install pg pg-copy-streams',
    create: async (config) => {
      const { postgres } = await import('../../destinations/postgres/postgres-destination.js');
      const raw = config.get('destination.postgres.credentials');
      if (raw === undefined) {
        throw new ConfigError(
          'the postgres destination needs destination.postgres.credentials (postgresql://user:password@host:port/database), or NOTIONFLOW__DESTINATION__POSTGRES__CREDENTIALS',
        );
      }
      const copyFormat = config.string('destination.postgres.copy_format') as 'binary' | 'text' | undefined;
      return postgres({
        credentials: typeof raw === 'object' ? (config.section('destination.postgres.credentials') as never) : String(raw),
        ...(copyFormat ? { copyFormat } : {}),
      });
    },
  },
  filesystem: {
    help: [
      'bucket_url = ./lake | file:///… | s3://bucket/prefix | gs://bucket/prefix | az://container/prefix, format = parquet (default) | jsonl;',
      's3 credentials: aws_access_key_id, aws_secret_access_key, endpoint_url, region_name',
      'gs credentials: client_email, private_key, project_id (a service account key; or the key JSON as credentials), key_file, endpoint_url (emulator)',
      'az credentials: azure_storage_account_name, azure_storage_account_key, or azure_storage_connection_string; endpoint_url (azurite)',
      's3 needs: npm install @aws-sdk/client-s3 @aws-sdk/lib-storage; gs: npm install @google-cloud/storage; az: npm install @azure/storage-blob',
    ].join('\n'),
    create: async (config) => {
      const { filesystem } = await import('../../destinations/filesystem/filesystem-destination.js');
      const bucketUrl = config.string('destination.filesystem.bucket_url');
      if (bucketUrl === undefined) {
        throw new ConfigError('the filesystem destination needs destination.filesystem.bucket_url (a local path, file://, s3://, gs:// or az:// bucket/prefix)');
      }
      const format = config.string('destination.filesystem.format') as 'parquet' | 'jsonl' | undefined;
      return filesystem({ bucketUrl, ...(format !== undefined ? { format } : {}), ...filesystemCredentials(config, bucketUrl) });
    },
  },
  snowflake: {
    help: 'account (or access_url), username, password or private_key / private_key_path,\ndatabase, warehouse, role, stage_format = parquet | csv\nneeds: npm install snowflake-sdk',
    create: async (config) => {
      const { snowflake } = await import('../../destinations/snowflake/snowflake-destination.js');
      const s = (key: string): string | undefined => config.string(`destination.snowflake.${key}`);
      const keyPath = s('private_key_path');
      return snowflake({
        account: s('account'),
        accessUrl: s('access_url'),
        username: s('username') ?? '',
        password: config.secret('destination.snowflake.password')?.reveal(),
        privateKey: config.secret('destination.snowflake.private_key')?.reveal() ?? (keyPath === undefined ? undefined : await readFile(keyPath, 'utf8')),
        database: s('database') ?? '',
        warehouse: s('warehouse'),
        role: s('role'),
        stageFormat: s('stage_format') as 'parquet' | 'csv' | undefined,
      });
    },
  },
  redshift: {
    help: [
      'host, port (5439), database, user, password, sslmode = require | verify-full | disable;',
      'staging: s3_bucket, s3_prefix, s3_region, s3_endpoint; COPY: iam_role, or aws_access_key_id + aws_secret_access_key (+ aws_session_token)',
      'needs: npm install pg @aws-sdk/client-s3',
    ].join('\n'),
    create: async (config) => {
      const { redshift } = await import('../../destinations/redshift/redshift-destination.js');
      const s = (key: string): string | undefined => config.string(`destination.redshift.${key}`);
      const secret = (key: string): string | undefined => config.secret(`destination.redshift.${key}`)?.reveal();
      const [host, database, user, bucket] = [s('host'), s('database'), s('user'), s('s3_bucket')];
      if (host === undefined || database === undefined || user === undefined || bucket === undefined) {
        throw new ConfigError(
          'the redshift destination needs destination.redshift.host, .database, .user and .s3_bucket, with .iam_role or .aws_access_key_id and .aws_secret_access_key (or NOTIONFLOW__DESTINATION__REDSHIFT__HOST, …)',
        );
      }
      const optional = <K extends string>(key: K, value: string | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, string>));
      return redshift({
        host,
        database,
        user,
        ...optional('password', secret('password')),
        ...(s('port') !== undefined ? { port: Number(s('port')) } : {}),
        ...(s('sslmode') !== undefined ? { sslmode: s('sslmode') as 'disable' | 'require' | 'verify-full' } : {}),
        ...optional('iamRole', secret('iam_role')),
        s3: {
          bucket,
          ...optional('prefix', s('s3_prefix')),
          ...optional('region', s('s3_region')),
          ...optional('endpoint', s('s3_endpoint')),
          ...optional('accessKeyId', secret('aws_access_key_id')),
          ...optional('secretAccessKey', secret('aws_secret_access_key')),
          ...optional('sessionToken', secret('aws_session_token')),
        },
      });
    },
  },
  bigquery: {
    help: [
      'project_id, location (default US); credentials: a service account key (its JSON as credentials, or',
      'credentials.client_email / .private_key / .project_id), key_file, or access_token; none: Application Default Credentials;',
      'api_endpoint (a local fake), text_lists = repeated (default) | json',
      'needs: npm install @google-cloud/bigquery',
    ].join('\n'),
    create: async (config) => {
      const { bigquery } = await import('../../destinations/bigquery/bigquery-destination.js');
      const s = (key: string): string | undefined => config.string(`destination.bigquery.${key}`);
      // dlt's shape: the key's JSON as `credentials`, or its fields under [destination.bigquery.credentials].
      const raw = config.get('destination.bigquery.credentials');
      const email = config.string('destination.bigquery.credentials.client_email');
      const privateKey = config.secret('destination.bigquery.credentials.private_key');
      const credentials = typeof raw === 'string' ? raw : email && privateKey ? { client_email: email, private_key: privateKey.reveal() } : undefined;
      const keyProject = typeof raw === 'string' ? projectOfKey(raw) : config.string('destination.bigquery.credentials.project_id');
      const projectId = s('project_id') ?? keyProject;
      if (projectId === undefined) {
        throw new ConfigError(
          'the bigquery destination needs destination.bigquery.project_id (the Google Cloud project that runs the jobs) or a service account key in destination.bigquery.credentials, or NOTIONFLOW__DESTINATION__BIGQUERY__PROJECT_ID',
        );
      }
      return bigquery({
        projectId,
        ...(s('location') !== undefined ? { location: s('location')! } : {}),
        ...(credentials !== undefined ? { credentials } : {}),
        ...(s('key_file') !== undefined ? { keyFilename: s('key_file')! } : {}),
        ...(config.secret('destination.bigquery.access_token') ? { accessToken: config.secret('destination.bigquery.access_token')!.reveal() } : {}),
        ...(s('api_endpoint') !== undefined ? { apiEndpoint: s('api_endpoint')! } : {}),
        ...(s('text_lists') !== undefined ? { textLists: s('text_lists') as 'repeated' | 'json' } : {}),
      });
    },
  },
};

/** The `project_id` of a service account key's JSON, if it parses and has one (validation happens in the destination). */
function projectOfKey(json: string): string | undefined {
  try {
    const id = (JSON.parse(json) as { project_id?: unknown }).project_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

const CREDS = 'destination.filesystem.credentials';
const CREDS_ENV = 'NOTIONFLOW__DESTINATION__FILESYSTEM__CREDENTIALS__';

/**
 * The object store settings of `[destination.filesystem.credentials]` for the scheme of `bucketUrl`, with
 * dlt's names. A `gs://` or `az://` URL without them is a one-line ConfigError naming the settings.
 */
function filesystemCredentials(config: ResolvedConfig, bucketUrl: string): Partial<FilesystemConfig> {
  const endpoint = config.string(`${CREDS}.endpoint_url`);
  const withEndpoint = endpoint !== undefined ? { endpoint } : {};
  if (bucketUrl.startsWith('gs://')) {
    // dlt also takes the service account key's JSON as the credentials value itself.
    const raw = config.get(CREDS);
    const keyJson = typeof raw === 'string' ? raw : undefined;
    const clientEmail = config.string(`${CREDS}.client_email`);
    const privateKey = config.secret(`${CREDS}.private_key`);
    const keyFilename = config.string(`${CREDS}.key_file`);
    const projectId = config.string(`${CREDS}.project_id`);
    if (keyJson === undefined && !(clientEmail && privateKey) && keyFilename === undefined && endpoint === undefined) {
      throw new ConfigError(
        `the filesystem destination on ${bucketUrl} needs ${CREDS}.client_email and .private_key (a service account key), .key_file, or .endpoint_url (an emulator), or ${CREDS_ENV}…`,
      );
    }
    const credentials = keyJson ?? (clientEmail && privateKey ? { client_email: clientEmail, private_key: privateKey.reveal() } : undefined);
    return {
      gcs: {
        ...(credentials !== undefined ? { credentials } : {}),
        ...(keyFilename !== undefined ? { keyFilename } : {}),
        ...(projectId !== undefined ? { projectId } : {}),
        ...withEndpoint,
      },
    };
  }
  if (bucketUrl.startsWith('az://') || bucketUrl.startsWith('abfss://')) {
    const connectionString = config.secret(`${CREDS}.azure_storage_connection_string`);
    const accountName = config.string(`${CREDS}.azure_storage_account_name`);
    const accountKey = config.secret(`${CREDS}.azure_storage_account_key`);
    // abfss://container@account.dfs.core.windows.net names the account itself.
    if (!connectionString && !((accountName || bucketUrl.startsWith('abfss://')) && accountKey)) {
      throw new ConfigError(
        `the filesystem destination on ${bucketUrl} needs ${CREDS}.azure_storage_account_name and .azure_storage_account_key, or .azure_storage_connection_string, or ${CREDS_ENV}…`,
      );
    }
    return {
      azure: {
        ...(connectionString ? { connectionString: connectionString.reveal() } : {}),
        ...(accountName !== undefined ? { accountName } : {}),
        ...(accountKey ? { accountKey: accountKey.reveal() } : {}),
        ...withEndpoint,
      },
    };
  }
  const accessKeyId = config.secret(`${CREDS}.aws_access_key_id`);
  const secretAccessKey = config.secret(`${CREDS}.aws_secret_access_key`);
  const region = config.string(`${CREDS}.region_name`);
  if (!accessKeyId || !secretAccessKey) return {};
  return { s3: { accessKeyId: accessKeyId.reveal(), secretAccessKey: secretAccessKey.reveal(), ...withEndpoint, ...(region !== undefined ? { region } : {}) } };
}

/** Build the destination named `name`; an unknown name is a ConfigError listing the known ones. */
export async function createDestination(name: string, config: ResolvedConfig): Promise<Destination> {
  const destination = DESTINATIONS[name];
  if (!destination) throw new ConfigError(`Unknown destination "${name}": use one of ${Object.keys(DESTINATIONS).join(', ')}.`);
  return destination.create(config);
}
