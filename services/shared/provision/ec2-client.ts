import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  describeRequestInstancesRequest,
  Ec2Error,
  parseEc2Response,
  runInstancesRequest,
  terminateInstancesRequest,
  type Ec2LaunchOptions,
  type QueryRequest,
} from '../../core/provision/ec2-requests.js';
import type { MachineRef, NodeProvisioner, ProvisionedMachine, ProvisionRequest } from './provisioner.js';

/**
 * The thin sender for EC2's Query API: signs a request from services/core/provision/ec2-requests.ts
 * with SigV4 (@smithy/signature-v4, as the AWS SDK does) and POSTs it. Not tried against AWS
 * from here (the machine has no route to it); the requests it makes are unit-tested.
 */
export interface Ec2Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignedRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

export async function signQuery(request: QueryRequest, credentials: Ec2Credentials, now: Date): Promise<SignedRequest> {
  const signer = new SignatureV4({ service: 'ec2', region: request.region, credentials, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: request.host,
      path: request.path,
      query: {},
      headers: { ...request.headers },
      body: request.body,
    },
    { signingDate: now },
  );
  return { url: `https://${request.host}${request.path}`, method: 'POST', headers: signed.headers, body: request.body };
}

export interface Ec2ClientOptions {
  credentials: Ec2Credentials;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

export class Ec2Client {
  private readonly fetch: typeof fetch;
  private readonly now: () => Date;

  constructor(private readonly options: Ec2ClientOptions) {
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? (() => new Date());
  }

  /** Sends one request; the instances it names, or an Ec2Error (network trouble is retryable). */
  async send(request: QueryRequest) {
    const signed = await signQuery(request, this.options.credentials, this.now());
    let res: Response;
    try {
      res = await this.fetch(signed.url, {
        method: signed.method,
        headers: signed.headers,
        body: signed.body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new Ec2Error('NetworkError', (err as Error).message, 0, true);
    }
    return parseEc2Response(res.status, await res.text());
  }
}

/** What the operator configures for an EC2 provisioner (besides credentials). */
export type Ec2ProvisionerSettings = Omit<Ec2LaunchOptions, 'userData' | 'clientToken' | 'tags'> & {
  name?: string;
  /** Tags on every instance it starts, besides `slipway:request` and `slipway:label:NAME`. */
  tags?: Record<string, string>;
};

/** The EC2 provisioner: one instance per request, the bootstrap script as its user data. */
export class Ec2Provisioner implements NodeProvisioner {
  readonly name: string;

  constructor(
    private readonly settings: Ec2ProvisionerSettings,
    private readonly client: Ec2Client,
  ) {
    this.name = settings.name ?? 'ec2';
  }

  async start(request: ProvisionRequest): Promise<ProvisionedMachine> {
    const labelTags = Object.fromEntries(Object.entries(request.labels).map(([k, v]) => [`slipway:label:${k}`, v]));
    const [instance] = await this.client.send(
      runInstancesRequest({
        ...this.settings,
        userData: request.bootstrap,
        clientToken: request.id,
        tags: { ...this.settings.tags, 'slipway:request': request.id, ...labelTags },
      }),
    );
    if (!instance?.instanceId) throw new Ec2Error('UnexpectedResponse', 'RunInstances named no instance', 200, true);
    return {
      provisioner: this.name,
      machineId: instance.instanceId,
      requestId: request.id,
      ...(instance.privateIpAddress ? { address: instance.privateIpAddress } : {}),
    };
  }

  async stop(machine: MachineRef): Promise<void> {
    const ids = machine.machineId
      ? [machine.machineId]
      : (await this.client.send(describeRequestInstancesRequest(this.settings.region, machine.requestId)))
          .map((i) => i.instanceId)
          .filter(Boolean);
    if (ids.length === 0) return;
    try {
      await this.client.send(terminateInstancesRequest(this.settings.region, ids));
    } catch (err) {
      if (err instanceof Ec2Error && err.code === 'InvalidInstanceID.NotFound') return;
      throw err;
    }
  }
}
