import { ConfigError } from '../../src/errors.js';

/** The S3 bucket batches are staged in before `COPY` loads them, and how to reach it. */
export interface RedshiftS3Staging {
  /** Bucket name (no `s3://`). It must be in the cluster's region (a Parquet `COPY` takes no `REGION`). Required. */
  readonly bucket: string;
  /** Key prefix of the staged files. Default: none (files go under `<dataset>/` at the bucket's root). */
  readonly prefix?: string;
  /** Region of the bucket, for the upload. Default `us-east-1`. */
  readonly region?: string;
  /** S3 endpoint URL for the upload (an S3-compatible server). Default: AWS's endpoint of `region`. */
  readonly endpoint?: string;
  /**
   * Access key that uploads the files and, without `iamRole`, authorizes `COPY` (`CREDENTIALS`). Without
   * keys the upload uses the AWS SDK's default credential chain (environment, profile, instance role).
   */
  readonly accessKeyId?: string;
  /** Secret of `accessKeyId`. Never logged, never shown in `location()` or errors. */
  readonly secretAccessKey?: string;
  /** Session token of temporary keys. Never logged. */
  readonly sessionToken?: string;
}

/**
 * Options of the {@link redshift} destination (config section `[destination.redshift]`, environment
 * `NOTIONFLOW__DESTINATION__REDSHIFT__<KEY>`). `COPY` is authorized by `iamRole` (recommended) or by the
 * staging keys; one of them is required.
 */
export interface RedshiftConfig {
  /** Cluster or workgroup endpoint host (`examplecluster.abc123.us-west-2.redshift.amazonaws.com`). Required. */
  readonly host: string;
  /** Default 5439. */
  readonly port?: number;
  /** Database that holds the dataset schemas. Required. */
  readonly database: string;
  /** Database user. Required. */
  readonly user: string;
  /** Password of `user`. Never logged, never shown in `location()` or errors. */
  readonly password?: string;
  /**
   * TLS: `require` (default: encrypted, certificate not checked), `verify-full` (encrypted, certificate and
   * host name checked) or `disable`.
   */
  readonly sslmode?: 'disable' | 'require' | 'verify-full';
  /** Where batches are staged. Required. */
  readonly s3: RedshiftS3Staging;
  /**
   * ARN of an IAM role associated with the cluster that may read the bucket (`COPY … IAM_ROLE`). Takes
   * precedence over the staging keys for `COPY`. Kept out of logs and errors.
   */
  readonly iamRole?: string;
}

/** The options a session passes to `pg.Client` (the subset of pg's `ClientConfig` it sets). */
export interface RedshiftClientOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly password?: string;
  readonly ssl?: { readonly rejectUnauthorized: boolean };
  readonly application_name: string;
}

/** A config checked when the destination is built. */
export interface ResolvedRedshiftConfig {
  readonly client: RedshiftClientOptions;
  readonly s3: {
    readonly bucket: string;
    /** The key prefix with one trailing `/`, or empty. */
    readonly prefix: string;
    readonly region: string;
    readonly endpoint: string | undefined;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string } | undefined;
  };
  /** The authorization clause of `COPY`, without its literal quoting: `IAM_ROLE` or `CREDENTIALS`. */
  readonly copyAuthorization: { readonly kind: 'IAM_ROLE' | 'CREDENTIALS'; readonly value: string };
  /** `redshift://user@host:port/database`, never a secret. */
  readonly location: string;
  /** Every secret of the config, so that error messages can be scrubbed of them. */
  readonly secrets: readonly string[];
}

const IAM_ROLE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** Check a {@link RedshiftConfig} when the destination is built, not mid-run. Messages never contain secrets. */
export function resolveRedshiftConfig(config: RedshiftConfig): ResolvedRedshiftConfig {
  const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
  for (const key of ['host', 'database', 'user'] as const) {
    if (!nonEmpty(config[key])) throw new ConfigError(`redshift: \`${key}\` is required (destination.redshift.${key}).`);
  }
  // Ports from environment variables arrive as strings.
  const port = Number(config.port ?? 5439);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new ConfigError('redshift: `port` must be an integer from 1 to 65535.');
  const sslmode = config.sslmode ?? 'require';
  if (!['disable', 'require', 'verify-full'].includes(sslmode)) throw new ConfigError('redshift: `sslmode` must be disable, require or verify-full.');
  const s3 = config.s3 ?? ({} as Partial<RedshiftS3Staging>);
  if (!nonEmpty(s3.bucket) || /[/\s]/.test(s3.bucket)) {
    throw new ConfigError('redshift: `s3.bucket` is required: the name of the S3 bucket batches are staged in (destination.redshift.s3_bucket).');
  }
  if (s3.endpoint !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(s3.endpoint)) {
    throw new ConfigError('redshift: `s3.endpoint` must be a URL like https://host[:port] without a path.');
  }
  if (nonEmpty(s3.accessKeyId) !== nonEmpty(s3.secretAccessKey)) {
    throw new ConfigError('redshift: set both `s3.accessKeyId` and `s3.secretAccessKey` (aws_access_key_id, aws_secret_access_key), or neither.');
  }
  // The keys are written into COPY's CREDENTIALS string, whose fields `;` separates.
  for (const key of ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const) {
    if (s3[key] !== undefined && /[;'\\\s]/.test(s3[key]!)) throw new ConfigError(`redshift: \`s3.${key}\` holds a character no AWS key has (; ' \\ or a space).`);
  }
  const credentials = nonEmpty(s3.accessKeyId)
    ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey!, ...(nonEmpty(s3.sessionToken) ? { sessionToken: s3.sessionToken } : {}) }
    : undefined;
  if (config.iamRole !== undefined && !IAM_ROLE.test(config.iamRole)) {
    throw new ConfigError('redshift: `iamRole` must be an IAM role ARN like arn:aws:iam::123456789012:role/RedshiftCopy.');
  }
  if (config.iamRole === undefined && !credentials) {
    throw new ConfigError(
      'redshift: COPY needs an authorization: set `iamRole` (destination.redshift.iam_role) or the staging keys `s3.accessKeyId` and `s3.secretAccessKey` (aws_access_key_id, aws_secret_access_key).',
    );
  }
  const copyAuthorization =
    config.iamRole !== undefined
      ? { kind: 'IAM_ROLE' as const, value: config.iamRole }
      : {
          kind: 'CREDENTIALS' as const,
          value: `aws_access_key_id=${credentials!.accessKeyId};aws_secret_access_key=${credentials!.secretAccessKey}${credentials!.sessionToken ? `;token=${credentials!.sessionToken}` : ''}`,
        };
  const prefix = (s3.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    client: {
      host: config.host,
      port,
      user: config.user,
      database: config.database,
      ...(config.password !== undefined ? { password: config.password } : {}),
      ...(sslmode === 'disable' ? {} : { ssl: { rejectUnauthorized: sslmode === 'verify-full' } }),
      application_name: 'notionflow',
    },
    s3: {
      bucket: s3.bucket,
      prefix: prefix === '' ? '' : `${prefix}/`,
      region: s3.region ?? 'us-east-1',
      endpoint: s3.endpoint,
      credentials,
    },
    copyAuthorization,
    location: `redshift://${encodeURIComponent(config.user)}@${host}:${port}/${encodeURIComponent(config.database)}`,
    secrets: [config.password, s3.secretAccessKey, s3.sessionToken, s3.accessKeyId, config.iamRole].filter(nonEmpty),
  };
}
