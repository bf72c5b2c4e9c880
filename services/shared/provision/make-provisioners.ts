import { readFileSync } from 'node:fs';
import type { ProvisionerSettings } from '../../core/provision/provisioner-settings.js';
import { CommandProvisioner } from './command-provisioner.js';
import { Ec2Client, Ec2Provisioner, type Ec2ProvisionerSettings } from './ec2-client.js';
import { HttpProvisioner } from './http-provisioner.js';
import { LocalProvisioner } from './local-provisioner.js';
import type { NodeProvisioner } from './provisioner.js';

/**
 * The provisioners the operator configured, by name. EC2 credentials come from
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, as AWS's own tools read them.
 */
export function makeProvisioners(
  settings: readonly ProvisionerSettings[],
  env: NodeJS.ProcessEnv = process.env,
): Map<string, NodeProvisioner> {
  const made = new Map<string, NodeProvisioner>();
  for (const s of settings) {
    if (s.kind === 'local')
      made.set(
        s.name,
        new LocalProvisioner({ name: s.name, ...(s.loopbackManager ? { loopbackManager: s.loopbackManager } : {}) }),
      );
    else if (s.kind === 'command') made.set(s.name, new CommandProvisioner(s.name, s.command!));
    else if (s.kind === 'http') {
      const token = s.tokenEnv ? tokenOf(s.tokenEnv, env) : undefined;
      if (s.tokenEnv && !token)
        throw new Error(`provisioner "${s.name}" (http) needs its token in ${s.tokenEnv} (or ${s.tokenEnv}_FILE)`);
      made.set(s.name, new HttpProvisioner(s.name, s.url!, token ? { token } : {}));
    } else {
      // Checked here, at start-up: without them every request would fail with AWS's 401 later.
      if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY)
        throw new Error(`provisioner "${s.name}" (ec2) needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
      const client = new Ec2Client({
        credentials: {
          accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        },
      });
      made.set(s.name, new Ec2Provisioner({ ...(s.ec2 as unknown as Ec2ProvisionerSettings), name: s.name }, client));
    }
  }
  return made;
}

/** A token from `NAME`, or from the file `NAME_FILE` names (a Docker secret). */
function tokenOf(name: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env[name]) return env[name];
  const file = env[`${name}_FILE`];
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (err) {
    throw new Error(`${name}_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
}
