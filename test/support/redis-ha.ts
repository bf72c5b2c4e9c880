import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../services/shared/project-root.js';

const run = promisify(execFile);

/**
 * A Redis that fails over, for one test file: `scripts/redis-ha.sh` on ports of its own
 * (`SLIPWAY_TEST_HA_BASE_PORT`, default 26400: primary, replica, three Sentinels on the next
 * four) in a folder of its own, torn down by `stop`.
 */
export class RedisHa {
  readonly password = 'ha-test-password';
  readonly master = 'slipway';

  constructor(
    readonly basePort = Number(process.env.SLIPWAY_TEST_HA_BASE_PORT ?? 26400),
    readonly dir = `/tmp/slipway-redis-ha-${basePort}`,
  ) {}

  /** The Slipway setting that reaches the primary through the three Sentinels. */
  get url(): string {
    const sentinels = [2, 3, 4].map((n) => `127.0.0.1:${this.basePort + n}`).join(',');
    return `redis-sentinel://:${this.password}@${sentinels}/${this.master}/0`;
  }

  /** Runs `scripts/redis-ha.sh <command>` with this file's settings; resolves with its stdout. */
  async script(command: 'start' | 'stop' | 'status' | 'failover' | 'purge'): Promise<string> {
    const { stdout } = await run('bash', [path.join(projectRoot(), 'scripts/redis-ha.sh'), command], {
      env: {
        ...process.env,
        SLIPWAY_HA_BASE_PORT: String(this.basePort),
        SLIPWAY_HA_DIR: this.dir,
        SLIPWAY_HA_MASTER: this.master,
        SLIPWAY_HA_PASSWORD: this.password,
      },
    });
    return stdout;
  }

  /** The port of the current primary, as the first Sentinel says. */
  async primaryPort(): Promise<number> {
    const [, port] = (await this.script('status')).trim().split('\n');
    return Number(port);
  }

  /** Whether the data node on `port` is a replica whose link to the primary is up (synced). */
  async replicaSynced(port: number): Promise<boolean> {
    const { stdout } = await run('redis-cli', [
      '-p',
      String(port),
      '-a',
      this.password,
      '--no-auth-warning',
      'info',
      'replication',
    ]);
    return /role:slave/.test(stdout) && /master_link_status:up/.test(stdout);
  }

  /** SIGKILLs the data node on `port` (a process this file's script started, by its pid file). */
  async kill(port: number): Promise<void> {
    const name = port === this.basePort ? 'primary' : 'replica';
    const pid = Number((await readFile(path.join(this.dir, `${name}.pid`), 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
  }
}
