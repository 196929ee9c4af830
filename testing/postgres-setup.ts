// Vitest global setup: a throwaway PostgreSQL server for the real-server layers when the machine has
// PostgreSQL's binaries and no TEST_DATABASE_URL, so those layers run on a laptop as they do in CI.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian and Ubuntu install each major version's server binaries. */
const POSTGRES_ROOT = '/usr/lib/postgresql';

/** A server started by this setup. */
export interface ThrowawayServer {
  /** postgres:// URL of its trusted superuser on loopback. */
  readonly url: string;
  /** Stops the server and deletes its data directory. */
  stop(): void;
}

/** The newest `bin` directory holding initdb, if PostgreSQL is installed. */
export function postgresBin(root = POSTGRES_ROOT): string | undefined {
  if (!existsSync(root)) return undefined;
  return readdirSync(root)
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map((version) => join(root, version, 'bin'))
    .find((bin) => existsSync(join(bin, 'initdb')));
}

/** A port free on 127.0.0.1 when asked. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/**
 * Starts a server in a fresh directory. initdb refuses to run as root, so as root the cluster belongs to
 * the `postgres` user. The superuser is trusted on loopback; every other role must prove its password
 * (scram-sha-256), so the application user's password rotation is tested for real.
 */
export async function startThrowawayServer(bin: string): Promise<ThrowawayServer> {
  const dir = mkdtempSync(join(tmpdir(), 'test-postgres-'));
  const data = join(dir, 'data');
  const owner = process.getuid?.() === 0 ? userIds('postgres') : undefined;
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  const run = (tool: string, args: readonly string[]) => {
    const result = spawnSync(join(bin, tool), args, { encoding: 'utf8', ...owner });
    if (result.status !== 0)
      throw new Error(`${tool} failed (${result.status ?? result.signal}): ${result.stderr || result.error}`);
  };
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8']);
    const hba = join(data, 'pg_hba.conf');
    writeFileSync(
      hba,
      `host all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`,
    );
    const port = await freePort();
    const options = `-p ${port} -k ${data} -c listen_addresses=127.0.0.1 -c max_connections=200`;
    run('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'server.log'), '-o', options, 'start']);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop() {
        try {
          run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function userIds(user: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** One server per test run, however many projects list this setup; stopped after the last of them. */
interface Shared {
  readonly server: Promise<ThrowawayServer>;
  users: number;
}
const key = Symbol.for('hello-devops.test-postgres');
const registry = globalThis as unknown as Record<symbol, Shared | undefined>;

export default async function setup(): Promise<(() => void) | undefined> {
  let shared = registry[key];
  if (shared === undefined) {
    const bin = postgresBin();
    if (process.env.TEST_DATABASE_URL || bin === undefined) return undefined;
    shared = { server: startThrowawayServer(bin), users: 0 };
    registry[key] = shared;
    const { host } = new URL((await shared.server).url);
    console.log(`test: PostgreSQL on ${host}, a throwaway server for this run`);
  }
  const server = await shared.server;
  const users = shared;
  users.users += 1;
  process.env.TEST_DATABASE_URL = server.url;
  return () => {
    users.users -= 1;
    if (users.users > 0) return;
    registry[key] = undefined;
    delete process.env.TEST_DATABASE_URL;
    server.stop();
  };
}
