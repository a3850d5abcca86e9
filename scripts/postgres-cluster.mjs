// A throwaway PostgreSQL cluster, for a test file or the journal bench: Debian's `postgresql` server binaries, `initdb` into a
// temporary directory, listening on a unix socket in that directory only (no TCP port at all), so nothing
// touches any other database or port. The cluster lives in a watchdog shell that stops it and deletes the
// directory as soon as its stdin closes: when `stop()` closes it, and equally when this process dies in any
// way (a failed run, Ctrl-C, SIGKILL), since the kernel closes the pipe then too.
//
// Where Postgres is not installed, `postgresBin` is undefined: test files skip with a message, except in CI
// (`CI=true`), where importing this throws so the run fails loudly (.ci/run installs the package).
// Plain JavaScript (types in postgres-cluster.d.mts), so that the bench's scripts can use it too.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const debianRoot = '/usr/lib/postgresql';

/** The newest installed server's bin directory, or undefined. */
function findBin() {
  if (!existsSync(debianRoot)) return undefined;
  const versions = readdirSync(debianRoot)
    .filter((version) => existsSync(join(debianRoot, version, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(debianRoot, versions[0], 'bin');
}

export const postgresBin = findBin();
if (!postgresBin && process.env.CI === 'true') {
  throw new Error(
    `PostgreSQL server binaries not found under ${debianRoot}: CI needs Debian's postgresql package (.ci/run installs it).`,
  );
}
/** Why Postgres tests are skipped here, for the skip's name. */
export const postgresMissing = postgresBin
  ? undefined
  : `PostgreSQL is not installed (no ${debianRoot}/*/bin/pg_ctl; apt-get install postgresql): skipped`;

// initdb and the server refuse to run as root: as root they run as the `postgres` OS user, who owns the dir.
const watchdog = `
set -u
dir=$1; bin=$2; durability=$3; shift 3
as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
fail() { echo "failed: $1"; tail -n 20 "$dir/initdb.log" "$dir/server.log" 2>/dev/null; rm -rf "$dir"; exit 1; }
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
as "$bin/initdb" -D "$dir/data" -U refundkit -A trust -E UTF8 --locale=C --no-sync --no-instructions \\
  >"$dir/initdb.log" 2>&1 || fail initdb
as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "-k $dir -c listen_addresses='' $durability \\
  -c max_connections=300" start >/dev/null 2>&1 || fail start
as "$bin/createdb" -h "$dir" -U refundkit refundkit || fail createdb
echo ready
cat >/dev/null
as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
rm -rf "$dir"
`;

/**
 * Starts a cluster (a few seconds). Call `stop()` in `afterAll`. Without `durable`, commits are never flushed
 * to disk (fsync, synchronous_commit and full_page_writes off: faster, and a throwaway cluster loses nothing);
 * `durable: true` keeps PostgreSQL's defaults, for the bench's cost of a real server's commit flushes.
 */
export async function startPostgres({ durable = false } = {}) {
  if (!postgresBin) throw new Error(postgresMissing);
  // Short: a unix socket path has at most 107 bytes.
  const dir = mkdtempSync('/tmp/refundkit-pg-');
  const durability = durable
    ? '-c fsync=on -c synchronous_commit=on -c full_page_writes=on'
    : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  const child = spawn('sh', ['-c', watchdog, 'watchdog', dir, postgresBin, durability], {
    // Its own process group: a Ctrl-C reaches the tests, and the watchdog still cleans up after them.
    detached: true,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.unref();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout });
  const output = [];
  const ready = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000);
    lines.on('line', (line) => {
      output.push(line);
      if (line === 'ready') {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ready) {
    child.stdin.end();
    throw new Error(`PostgreSQL did not start (as ${userInfo().username}):\n${output.join('\n')}`);
  }
  return {
    url: `postgresql://refundkit@/refundkit?host=${encodeURIComponent(dir)}`,
    dir,
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}
