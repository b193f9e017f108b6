import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's postgresql-15 package puts the server binaries. */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /** The `postgres` user's password; TCP connections must then give it (scram-sha-256). Default: none, trust authentication. */
  readonly password?: string;
}

/** A running throwaway PostgreSQL server. */
export interface PostgresServer {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (trust authentication), or `postgresql://postgres:<password>@…` with a password. */
  readonly connectionString: string;
  readonly port: number;
  /**
   * Stop the server at once (`pg_ctl stop -m immediate`: every connection is cut, open transactions
   * are lost, as when the server crashes) and keep its data directory, for {@link restart}. Synchronous:
   * it returns once the server is down, so a hook can halt the server between two statements.
   */
  halt(): void;
  /** Start a halted server again on the same port, from the same data directory (crash recovery runs first). */
  restart(): Promise<void>;
  /** Stop the server (fast shutdown) and delete its data directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Start a throwaway PostgreSQL 15 on a free 127.0.0.1 port, in a fresh temp directory, with fsync off.
 * PostgreSQL refuses to run as root, so as root the binaries run as the `postgres` user (`runuser`).
 * Fails (never skips) when the server binaries are missing: CI installs them in `.ci/run`.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  if (!existsSync(join(POSTGRES_BIN, 'postgres'))) {
    throw new Error(
      `PostgreSQL 15 server not found at ${POSTGRES_BIN}/postgres: run .ci/run, or install it with \`apt-get install -y postgresql-15\`.`,
    );
  }
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), 'notionflow-pg-'));
  const pg = async (bin: string, args: string[]) => {
    const file = join(POSTGRES_BIN, bin);
    return asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args);
  };
  try {
    if (asRoot) {
      const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
      await chown(dir, Number(uid.stdout.trim()), Number(gid.stdout.trim()));
    }
    const data = join(dir, 'data');
    const auth = ['--auth=trust'];
    if (options.password !== undefined) {
      // The password file is read by initdb (as the postgres user) and deleted at once.
      const pwfile = join(dir, 'pwfile');
      await writeFile(pwfile, `${options.password}\n`, { mode: 0o644 });
      auth.splice(0, 1, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
    }
    await pg('initdb', ['-D', data, '-U', 'postgres', ...auth, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']).finally(() => rm(join(dir, 'pwfile'), { force: true }));
    let port = 0;
    const start = () => {
      const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      return pg('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', options, 'start']);
    };
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await start();
        break;
      } catch (err) {
        const log = await readFile(join(dir, 'server.log'), 'utf8').catch(() => '');
        // Another process took the port between our probe and the server's bind: try another one.
        if (attempt < 5 && /already in use|could not bind/i.test(log)) continue;
        throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log}`);
      }
    }
    let stopped = false;
    return {
      connectionString: `postgresql://postgres${options.password === undefined ? '' : `:${encodeURIComponent(options.password)}`}@127.0.0.1:${port}/postgres`,
      port,
      halt: () => {
        const stop = [join(POSTGRES_BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'];
        execFileSync(asRoot ? 'runuser' : stop[0]!, asRoot ? ['-u', 'postgres', '--', ...stop] : stop.slice(1), { stdio: 'ignore' });
      },
      restart: async () => {
        await start().catch(async (err: Error) => {
          throw new Error(`PostgreSQL did not restart: ${err.message}\n${await readFile(join(dir, 'server.log'), 'utf8').catch(() => '')}`);
        });
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(async () => {
          const pid = Number((await readFile(join(data, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
          if (pid > 0) process.kill(pid, 'SIGQUIT');
        });
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A port that was free a moment ago (the OS picks it); the caller retries if it is taken meanwhile. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
