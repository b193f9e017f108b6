import { ConfigError } from '../../src/errors.js';

/** How a `text_list` column is stored: a REPEATED STRING column (`ARRAY<STRING>`), or a JSON array. */
export type BigQueryTextLists = 'repeated' | 'json';

/**
 * A service account key, as the JSON file Google Cloud gives you holds it (the fields the client uses).
 * A secret: never logged, never shown in `location()` or in errors.
 */
export interface BigQueryServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
  readonly project_id?: string;
  readonly [field: string]: unknown;
}

/**
 * Options of the {@link bigquery} destination. `projectId` is required; credentials come from
 * `credentials` (a service account key), `keyFilename` (the key's file), `accessToken` (an OAuth token
 * such as `gcloud auth print-access-token` prints), `authClient` (any google-auth-library client), or,
 * when none is given, Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, gcloud's
 * login, the metadata server on Google Cloud).
 */
export interface BigQueryConfig {
  /** The Google Cloud project that holds the datasets and runs the jobs. */
  readonly projectId: string;
  /**
   * Where datasets are created and jobs run (`US`, `EU`, `europe-west3`, …). Default `US`. A dataset
   * that exists keeps its location; jobs must run where their datasets are.
   */
  readonly location?: string;
  /** A service account key (the parsed JSON, or its text). Never logged. */
  readonly credentials?: BigQueryServiceAccountKey | string;
  /** Path of a service account key file. */
  readonly keyFilename?: string;
  /** An OAuth 2.0 access token, used as it is (it is not refreshed: a run must end before it expires). Never logged. */
  readonly accessToken?: string;
  /**
   * A google-auth-library client (`OAuth2Client`, `GoogleAuth`, `JWT`, an external account client) to
   * authenticate with; takes precedence over the other credentials. Programmatic use only.
   */
  readonly authClient?: unknown;
  /**
   * Base URL of the BigQuery API. Default `https://bigquery.googleapis.com`. Tests point it at a local
   * server (`http://127.0.0.1:PORT`).
   */
  readonly apiEndpoint?: string;
  /**
   * How `text_list` columns (multi-select, people, relations, files) are stored. Default `repeated`: a
   * REPEATED STRING column, queried with `UNNEST`; BigQuery arrays hold no NULL items and no NULL array,
   * so null items are left out and a NULL list reads back as `[]`. `json`: a JSON array, kept exactly.
   */
  readonly textLists?: BigQueryTextLists;
}

/** The BigQuery API's default endpoint. */
export const DEFAULT_API_ENDPOINT = 'https://bigquery.googleapis.com';

/** Check a {@link BigQueryConfig} when the destination is built, not mid-run. Messages never contain secrets. */
export function validateBigQueryConfig(config: BigQueryConfig): BigQueryConfig {
  const nonEmpty = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  if (!nonEmpty(config.projectId)) throw new ConfigError('bigquery: `projectId` is required (the Google Cloud project that runs the jobs).');
  // Project ids are 6–30 lower-case letters, digits and dashes; older ones may carry a `domain.com:` prefix.
  if (!/^([a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(config.projectId)) {
    throw new ConfigError(`bigquery: \`projectId\` "${config.projectId}" is not a Google Cloud project id (lower-case letters, digits and dashes).`);
  }
  if (config.location !== undefined && !/^[A-Za-z][A-Za-z0-9-]*$/.test(config.location)) {
    throw new ConfigError('bigquery: `location` must be a BigQuery location such as US, EU or europe-west3.');
  }
  if (config.apiEndpoint !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(config.apiEndpoint)) {
    throw new ConfigError('bigquery: `apiEndpoint` must be a URL like https://host[:port] without a path.');
  }
  if (config.textLists !== undefined && config.textLists !== 'repeated' && config.textLists !== 'json') {
    throw new ConfigError('bigquery: `textLists` must be "repeated" or "json".');
  }
  if (config.accessToken !== undefined && !nonEmpty(config.accessToken)) throw new ConfigError('bigquery: `accessToken` is empty.');
  if (config.credentials !== undefined) serviceAccountKey(config.credentials);
  const given = [config.credentials, config.keyFilename, config.accessToken].filter((c) => c !== undefined).length;
  if (given > 1) throw new ConfigError('bigquery: give one of `credentials`, `keyFilename` and `accessToken`, not several.');
  return config;
}

/** The service account key of `credentials`, parsed; a ConfigError (without the key) when it is not one. */
export function serviceAccountKey(credentials: BigQueryServiceAccountKey | string): BigQueryServiceAccountKey {
  let key: unknown = credentials;
  if (typeof credentials === 'string') {
    try {
      key = JSON.parse(credentials);
    } catch {
      throw new ConfigError('bigquery: `credentials` is not JSON: give the service account key file\'s contents, or its path as `keyFilename`.');
    }
  }
  const k = key as Partial<BigQueryServiceAccountKey> | null;
  if (typeof k?.client_email !== 'string' || typeof k.private_key !== 'string' || !k.private_key.includes('PRIVATE KEY-----')) {
    throw new ConfigError('bigquery: `credentials` must be a service account key with client_email and private_key.');
  }
  return k as BigQueryServiceAccountKey;
}

/** The API endpoint sessions talk to, without a trailing slash. */
export function endpointOf(config: BigQueryConfig): string {
  return (config.apiEndpoint ?? DEFAULT_API_ENDPOINT).replace(/\/$/, '');
}

/** The location datasets are created in and jobs run in. */
export function locationOf(config: BigQueryConfig): string {
  return config.location ?? 'US';
}
