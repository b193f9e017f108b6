import { ConfigError } from '../../src/errors.js';

/** How staged batches travel to Snowflake: files `PUT` to an internal stage, then `COPY INTO`. */
export type SnowflakeStageFormat = 'parquet' | 'csv';

/**
 * Options of the {@link snowflake} destination. Either `account` or `accessUrl` is required, and either
 * `password` or `privateKey`.
 */
export interface SnowflakeConfig {
  /** Account identifier (`myorg-myaccount`). Required unless `accessUrl` is given. */
  readonly account?: string;
  /**
   * Full URL of the account endpoint. Default `https://<account>.snowflakecomputing.com`. Tests point it at
   * a local server (`http://127.0.0.1:PORT`).
   */
  readonly accessUrl?: string;
  /** Login name. */
  readonly username: string;
  /** Password (authenticator `SNOWFLAKE`). Never logged, never shown in `location()` or errors. */
  readonly password?: string;
  /**
   * Private key in PEM form for key-pair authentication (authenticator `SNOWFLAKE_JWT`); the driver signs
   * a JWT with it. Takes precedence over `password`. Never logged.
   */
  readonly privateKey?: string;
  /** Database that holds the dataset schemas. */
  readonly database: string;
  /** Warehouse that runs the statements. Default: the user's default warehouse. */
  readonly warehouse?: string;
  /** Role of the session. Default: the user's default role. */
  readonly role?: string;
  /**
   * File format of the staged batches. Default `parquet` (typed columns, loaded with
   * `MATCH_BY_COLUMN_NAME`); `csv` writes text files loaded by column position.
   */
  readonly stageFormat?: SnowflakeStageFormat;
}

/** Check a {@link SnowflakeConfig} when the destination is built, not mid-run. Messages never contain secrets. */
export function validateSnowflakeConfig(config: SnowflakeConfig): SnowflakeConfig {
  const nonEmpty = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  if (!nonEmpty(config.account) && !nonEmpty(config.accessUrl)) {
    throw new ConfigError('snowflake: set `account` (or `accessUrl`).');
  }
  if (config.accessUrl !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(config.accessUrl)) {
    throw new ConfigError('snowflake: `accessUrl` must be a URL like https://host[:port] without a path.');
  }
  if (!nonEmpty(config.username)) throw new ConfigError('snowflake: `username` is required.');
  if (!nonEmpty(config.database)) throw new ConfigError('snowflake: `database` is required.');
  if (!nonEmpty(config.password) && !nonEmpty(config.privateKey)) {
    throw new ConfigError('snowflake: set `password` or `privateKey` (key-pair authentication).');
  }
  if (config.privateKey !== undefined && !config.privateKey.includes('PRIVATE KEY-----')) {
    throw new ConfigError('snowflake: `privateKey` must be a PEM private key (-----BEGIN PRIVATE KEY-----).');
  }
  if (config.stageFormat !== undefined && config.stageFormat !== 'parquet' && config.stageFormat !== 'csv') {
    throw new ConfigError('snowflake: `stageFormat` must be "parquet" or "csv".');
  }
  return config;
}

/** The endpoint sessions talk to, without credentials: `accessUrl` or the account's default URL. */
export function endpointOf(config: SnowflakeConfig): string {
  return (config.accessUrl ?? `https://${config.account}.snowflakecomputing.com`).replace(/\/$/, '');
}
