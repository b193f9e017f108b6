import { ConfigError } from '../../src/errors.js';

/** Connection fields, as an alternative to a connection string. */
export interface PostgresCredentials {
  readonly host: string;
  /** Default 5432. */
  readonly port?: number;
  readonly user: string;
  /** Default: none (trust or peer authentication, or `PGPASSWORD`/`.pgpass` as libpq-style clients read them). */
  readonly password?: string;
  readonly database: string;
  /**
   * TLS: `disable` (default), `require` (encrypted, certificate not checked) or `verify-full` (encrypted,
   * certificate and host name checked). In a connection string: `?sslmode=…`.
   */
  readonly sslmode?: 'disable' | 'require' | 'verify-full';
}

/** Options of the {@link postgres} destination. */
export interface PostgresConfig {
  /**
   * Where to connect: a connection string `postgresql://user:password@host:port/database` (config key
   * `destination.postgres.credentials`, env `NOTIONFLOW__DESTINATION__POSTGRES__CREDENTIALS`) or the fields
   * of {@link PostgresCredentials}. Required. The password is used to connect and never shown.
   */
  readonly credentials: string | PostgresCredentials;
  /**
   * COPY format of the write path. `binary` (default) sends values in PostgreSQL's binary form: no
   * escaping, no number or date formatting, fastest in `bench/postgres-copy.ts`. `text` sends
   * tab-separated text, for PostgreSQL-compatible servers without binary COPY.
   */
  readonly copyFormat?: 'binary' | 'text';
}

/**
 * The options a session passes to `pg.Client` (a subset of pg's `ClientConfig`, declared here so that
 * the package's types do not need `@types/pg`).
 */
export interface PostgresClientOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly password?: string;
  readonly ssl?: { readonly rejectUnauthorized: boolean };
  /** Server settings sent at connection start (`-c TimeZone=UTC`). */
  readonly options: string;
  readonly application_name: string;
}

/** A config checked when the destination is built: pg client options and what `location()` shows. */
export interface ResolvedPostgresConfig {
  readonly client: PostgresClientOptions;
  /** `postgresql://user@host:port/database`, never the password. */
  readonly location: string;
  /** The password (if any), so error messages can be scrubbed of it. */
  readonly password: string | undefined;
  readonly copyFormat: 'binary' | 'text';
}

/** Check a {@link PostgresConfig} when the destination is built, not mid-run. */
export function resolvePostgresConfig(config: PostgresConfig): ResolvedPostgresConfig {
  const copyFormat = config.copyFormat ?? 'binary';
  if (copyFormat !== 'binary' && copyFormat !== 'text') throw new ConfigError('postgres: `copyFormat` must be "binary" or "text".');
  const creds = typeof config.credentials === 'string' ? parseConnectionString(config.credentials) : config.credentials;
  if (!creds || typeof creds !== 'object') {
    throw new ConfigError('postgres: `credentials` is required: a connection string postgresql://user:password@host:port/database (destination.postgres.credentials).');
  }
  for (const key of ['host', 'user', 'database'] as const) {
    if (typeof creds[key] !== 'string' || creds[key] === '') throw new ConfigError(`postgres: credentials need a non-empty \`${key}\`.`);
  }
  // Ports from environment variables arrive as strings.
  const port = Number(creds.port ?? 5432);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new ConfigError('postgres: credentials `port` must be an integer from 1 to 65535.');
  const sslmode = creds.sslmode ?? 'disable';
  if (!['disable', 'require', 'verify-full'].includes(sslmode)) throw new ConfigError('postgres: `sslmode` must be disable, require or verify-full.');
  const host = creds.host.includes(':') ? `[${creds.host}]` : creds.host;
  return {
    client: {
      host: creds.host,
      port,
      user: creds.user,
      database: creds.database,
      ...(creds.password !== undefined ? { password: creds.password } : {}),
      ...(sslmode === 'disable' ? {} : { ssl: { rejectUnauthorized: sslmode === 'verify-full' } }),
      // Timestamps come back as UTC text, so queryArrow can parse them with their microseconds.
      options: '-c TimeZone=UTC',
      application_name: 'notionflow',
    },
    location: `postgresql://${encodeURIComponent(creds.user)}@${host}:${port}/${encodeURIComponent(creds.database)}`,
    password: creds.password,
    copyFormat,
  };
}

/** Parse `postgresql://user:password@host:port/database` (or `postgres://`) without echoing it in errors. */
function parseConnectionString(value: string): PostgresCredentials {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('postgres: `credentials` is not a valid connection string; expected postgresql://user:password@host:port/database.');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new ConfigError(`postgres: \`credentials\` must start with postgresql:// (got ${url.protocol}//).`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const unknown = [...url.searchParams.keys()].find((p) => p !== 'sslmode');
  // An ignored parameter could silently weaken the connection (an unread sslmode means no TLS): refuse it.
  if (unknown !== undefined) throw new ConfigError(`postgres: connection string parameter "${unknown}" is not supported (only sslmode).`);
  const sslmode = url.searchParams.get('sslmode');
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(url.port !== '' ? { port: Number(url.port) } : {}),
    user: decodeURIComponent(url.username),
    ...(url.password !== '' ? { password: decodeURIComponent(url.password) } : {}),
    database,
    ...(sslmode !== null ? { sslmode: sslmode as PostgresCredentials['sslmode'] & string } : {}),
  };
}
