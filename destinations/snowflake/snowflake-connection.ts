import type { Bind, Connection, ConnectionOptions, SnowflakeError } from 'snowflake-sdk';
import { DestinationError } from '../errors.js';
import { importOptional, type Importer } from '../optional-import.js';
import { endpointOf, type SnowflakeConfig } from './snowflake-config.js';

/** The driver module (`snowflake-sdk`'s default export under ESM). */
type SnowflakeSdk = typeof import('snowflake-sdk');

/**
 * Import `snowflake-sdk` when a session logs in (it is an optional peer dependency and costs ~0.6 s to
 * load; Node caches it after the first time); not installed, a `MissingPackageError` saying
 * `npm install snowflake-sdk`. The driver probes cloud metadata endpoints (169.254.169.254,
 * metadata.google.internal) when it loads unless `SNOWFLAKE_DISABLE_PLATFORM_DETECTION` is set, so it is
 * set first when the user left it unset. The driver's own log (a `snowflake.log` file in the working
 * directory by default) is turned off.
 */
async function loadSdk(importer?: Importer): Promise<SnowflakeSdk> {
  process.env['SNOWFLAKE_DISABLE_PLATFORM_DETECTION'] ??= 'true';
  const [module] = (await importOptional('snowflake', ['snowflake-sdk'], importer)) as [{ default: SnowflakeSdk }];
  module.default.configure({ logLevel: 'OFF' });
  return module.default;
}

/** One statement's result: rows keyed by (upper-case) column name, the column names and their Snowflake types. */
export interface SnowflakeResult {
  readonly columns: readonly string[];
  /** Snowflake's type name of each column, in lower case as the wire has it (`text`, `fixed`, `array`, …). */
  readonly types: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

/**
 * A promise-based wrapper over one `snowflake-sdk` connection (one Snowflake session, so one transaction
 * scope). Driver errors become {@link DestinationError}s carrying Snowflake's error code and SQL state in the
 * message; no message ever contains the password or the private key.
 */
export class SnowflakeConnection {
  readonly #connection: Connection;
  #destroyed = false;

  private constructor(connection: Connection) {
    this.#connection = connection;
  }

  /** Log in: password authentication, or key-pair (`SNOWFLAKE_JWT`) when `privateKey` is set. `importer` replaces `import()` (tests). */
  static async connect(config: SnowflakeConfig, importer?: Importer): Promise<SnowflakeConnection> {
    const sdk = await loadSdk(importer);
    const options: ConnectionOptions = {
      ...(config.account !== undefined ? { account: config.account } : {}),
      ...(config.accessUrl !== undefined ? { accessUrl: config.accessUrl } : {}),
      username: config.username,
      database: config.database,
      ...(config.warehouse !== undefined ? { warehouse: config.warehouse } : {}),
      ...(config.role !== undefined ? { role: config.role } : {}),
      ...(config.privateKey !== undefined
        ? { authenticator: 'SNOWFLAKE_JWT', privateKey: config.privateKey }
        : { password: config.password ?? '' }),
      application: 'notionflow',
    };
    const connection = sdk.createConnection(options);
    try {
      // connectAsync resolves even when the login fails: the error only reaches the callback.
      await new Promise<void>((resolve, reject) => {
        connection.connectAsync((err) => (err ? reject(err) : resolve())).catch(reject);
      });
    } catch (err) {
      throw new DestinationError('snowflake', `login as "${config.username}" at ${endpointOf(config)} failed: ${describe(err)}`, { cause: redact(err), transient: isTransientLogin(err) });
    }
    const wrapped = new SnowflakeConnection(connection);
    try {
      // Timestamps are UTC instants: CURRENT_TIMESTAMP() and TIMESTAMP_TZ values must not take the account's zone.
      await wrapped.execute("ALTER SESSION SET TIMEZONE = 'UTC'");
    } catch (err) {
      await wrapped.destroy();
      throw new DestinationError('snowflake', `could not set the session time zone: ${describe(err)}`, { cause: redact(err) });
    }
    return wrapped;
  }

  /** Run one statement with `?` binds and return its rows. */
  execute(sqlText: string, binds: readonly Bind[] = []): Promise<SnowflakeResult> {
    return new Promise((resolve, reject) => {
      this.#connection.execute({
        sqlText,
        ...(binds.length > 0 ? { binds: [...binds] } : {}),
        fetchAsString: ['JSON'],
        complete: (err, stmt, rows) => {
          if (err) {
            reject(err);
            return;
          }
          const described = stmt.getColumns?.() ?? [];
          resolve({ columns: described.map((c) => c.getName()), types: described.map((c) => c.getType()), rows: (rows ?? []) as Record<string, unknown>[] });
        },
      });
    });
  }

  /** Upload a local file to a stage (`PUT file://… @stage`); the driver does the transfer itself. */
  put(localPath: string, stage: string): Promise<SnowflakeResult> {
    const uri = `file://${localPath}`;
    return this.execute(`PUT '${uri.replaceAll("'", "''")}' @${stage} AUTO_COMPRESS = FALSE OVERWRITE = TRUE`);
  }

  /** Log out and release the connection. Idempotent. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    await new Promise<void>((resolve) => this.#connection.destroy(() => resolve()));
  }
}

/** A driver error as `message (code X, SQL state Y)`. */
export function describe(err: unknown): string {
  const e = err as Partial<SnowflakeError> & { message?: string };
  const parts = [e.code !== undefined ? `code ${String(e.code)}` : '', e.sqlState ? `SQL state ${e.sqlState}` : ''].filter(Boolean);
  return `${e.message ?? String(err)}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * The driver error to keep as `cause`, minus anything that may echo the request (the driver attaches
 * request/response objects to some errors, and the login request body holds the password).
 */
export function redact(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & { code?: unknown; sqlState?: unknown };
  const copy = new Error(e.message) as Error & { code?: unknown; sqlState?: unknown };
  copy.name = e.name;
  copy.code = e.code;
  copy.sqlState = e.sqlState;
  return copy;
}

/** Network trouble (driver codes 401xxx: no connection, bad response) is worth retrying; a rejected login is not. */
function isTransientLogin(err: unknown): boolean {
  return String((err as { code?: unknown }).code ?? '').startsWith('401');
}
