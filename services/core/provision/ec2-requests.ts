import { XMLParser } from 'fast-xml-parser';
import { ProvisionError } from './provision-error.js';

/**
 * The EC2 Query API requests the EC2 provisioner makes, as values (pure; signing and sending
 * are the adapter's, services/shared/provision/ec2-client.ts), and the reading of the answers.
 * API version 2016-11-15, the current one. Written from the EC2 API reference; not tried
 * against AWS from here (no network to it).
 */
export const EC2_API_VERSION = '2016-11-15';

/** EC2 refuses user data over 16 KB (before base64). */
export const MAX_USER_DATA_BYTES = 16 * 1024;

/** What one provisioned machine is launched with. */
export interface Ec2LaunchOptions {
  region: string;
  imageId: string;
  instanceType: string;
  /** The bootstrap script (services/core/provision/bootstrap-script.ts), sent as UserData. */
  userData: string;
  /**
   * Idempotency key (at most 64 ASCII characters): a retried request with the same token
   * launches nothing new. Slipway passes the provisioning request's id.
   */
  clientToken: string;
  subnetId?: string;
  securityGroupIds?: string[];
  keyName?: string;
  /** An instance profile name, for instances that need AWS permissions (e.g. pulling from ECR). */
  instanceProfile?: string;
  /** Tags on the instance; Slipway tags each with its request and labels to find them again. */
  tags?: Record<string, string>;
}

/** A request ready to sign: POST https://host/ with a form-encoded body. */
export interface QueryRequest {
  region: string;
  host: string;
  path: '/';
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  /** The same parameters, for tests and logs (UserData as sent, base64). */
  params: Array<[string, string]>;
}

export function runInstancesRequest(options: Ec2LaunchOptions): QueryRequest {
  const userData = Buffer.from(options.userData, 'utf8');
  if (userData.length > MAX_USER_DATA_BYTES)
    throw new Error(`runInstancesRequest: user data is ${userData.length} bytes; EC2 takes at most 16 KB`);
  if (!/^[\x20-\x7e]{1,64}$/.test(options.clientToken))
    throw new Error('runInstancesRequest: the client token must be 1 to 64 ASCII characters');
  const params: Array<[string, string]> = [
    ['Action', 'RunInstances'],
    ['Version', EC2_API_VERSION],
    ['ImageId', options.imageId],
    ['InstanceType', options.instanceType],
    ['MinCount', '1'],
    ['MaxCount', '1'],
    ['ClientToken', options.clientToken],
    ['UserData', userData.toString('base64')],
    ['InstanceInitiatedShutdownBehavior', 'terminate'],
    // The user data holds a join token: IMDSv2 only, one hop, so a step's container (a hop
    // further, behind Docker's bridge) cannot read it from the instance metadata service.
    ['MetadataOptions.HttpEndpoint', 'enabled'],
    ['MetadataOptions.HttpTokens', 'required'],
    ['MetadataOptions.HttpPutResponseHopLimit', '1'],
  ];
  if (options.subnetId) params.push(['SubnetId', options.subnetId]);
  (options.securityGroupIds ?? []).forEach((id, i) => params.push([`SecurityGroupId.${i + 1}`, id]));
  if (options.keyName) params.push(['KeyName', options.keyName]);
  if (options.instanceProfile) params.push(['IamInstanceProfile.Name', options.instanceProfile]);
  const tags = Object.entries(options.tags ?? {});
  if (tags.length > 0) {
    params.push(['TagSpecification.1.ResourceType', 'instance']);
    tags.forEach(([key, value], i) => {
      params.push([`TagSpecification.1.Tag.${i + 1}.Key`, key], [`TagSpecification.1.Tag.${i + 1}.Value`, value]);
    });
  }
  return queryRequest(options.region, params);
}

export function terminateInstancesRequest(region: string, instanceIds: readonly string[]): QueryRequest {
  if (instanceIds.length === 0) throw new Error('terminateInstancesRequest: no instance ids');
  return queryRequest(region, [
    ['Action', 'TerminateInstances'],
    ['Version', EC2_API_VERSION],
    ...instanceIds.map((id, i): [string, string] => [`InstanceId.${i + 1}`, id]),
  ]);
}

/**
 * The instances a request started that are not terminated, by the `slipway:request` tag
 * `runInstancesRequest` is given: how `stop` finds a machine whose start never answered.
 */
export function describeRequestInstancesRequest(region: string, requestId: string): QueryRequest {
  return queryRequest(region, [
    ['Action', 'DescribeInstances'],
    ['Version', EC2_API_VERSION],
    ['Filter.1.Name', 'tag:slipway:request'],
    ['Filter.1.Value.1', requestId],
    ['Filter.2.Name', 'instance-state-name'],
    ...['pending', 'running', 'stopping', 'stopped'].map((state, i): [string, string] => [
      `Filter.2.Value.${i + 1}`,
      state,
    ]),
  ]);
}

function queryRequest(region: string, params: Array<[string, string]>): QueryRequest {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`EC2: ${JSON.stringify(region)} is not a region`);
  const host = `ec2.${region}.amazonaws.com`;
  return {
    region,
    host,
    path: '/',
    method: 'POST',
    headers: { host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: params.map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`).join('&'),
    params,
  };
}

/** Percent-encoding as AWS signs it: everything but A-Z a-z 0-9 - _ . ~ (encodeURIComponent leaves !'()* too). */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An instance as RunInstances and TerminateInstances describe it. */
export interface Ec2Instance {
  instanceId: string;
  state: string;
  privateIpAddress?: string;
}

/**
 * An error answer (`<Response><Errors><Error><Code>…`). `retryable` says whether the same
 * request may succeed later: throttling, capacity and EC2's own failures may; bad parameters,
 * credentials and permissions will not.
 */
export class Ec2Error extends ProvisionError {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    retryable: boolean,
    readonly requestId?: string,
  ) {
    super(`EC2 ${code}: ${message}`, retryable, 'ec2');
    this.name = 'Ec2Error';
  }
}

const RETRYABLE = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
  'InternalError',
  'ServiceUnavailable',
  'Unavailable',
]);

const xml = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'item' || name === 'Error',
});

type Node = Record<string, unknown>;

/** Reads a RunInstances, TerminateInstances or DescribeInstances answer: the instances, or throws an Ec2Error. */
export function parseEc2Response(status: number, body: string): Ec2Instance[] {
  let doc: Node;
  try {
    doc = xml.parse(body) as Node;
  } catch {
    doc = {};
  }
  const errorResponse = (doc.Response ?? doc.ErrorResponse) as Node | undefined;
  if (status >= 300 || errorResponse) {
    const errors = (errorResponse?.Errors as Node | undefined)?.Error as Node[] | undefined;
    const first = errors?.[0] ?? (errorResponse?.Error as Node[] | undefined)?.[0];
    const code = text(first?.Code) ?? `HTTP${status}`;
    const message = text(first?.Message) ?? (body.slice(0, 200) || 'no message');
    const requestId = text(errorResponse?.RequestID) ?? text(errorResponse?.RequestId);
    throw new Ec2Error(code, message, status, status >= 500 || RETRYABLE.has(code), requestId);
  }
  const described = doc.DescribeInstancesResponse as Node | undefined;
  const answer = (doc.RunInstancesResponse ?? doc.TerminateInstancesResponse ?? described) as Node | undefined;
  if (!answer) throw new Ec2Error('UnexpectedResponse', `no RunInstances/TerminateInstances answer`, status, true);
  const instancesOf = (set: Node | undefined) =>
    ((set?.instancesSet as Node | undefined)?.item as Node[] | undefined) ?? [];
  const items = described
    ? (((described.reservationSet as Node | undefined)?.item as Node[] | undefined) ?? []).flatMap(instancesOf)
    : instancesOf(answer);
  return items.map((item) => {
    const state = (item.instanceState ?? item.currentState) as Node | undefined;
    const ip = text(item.privateIpAddress);
    return {
      instanceId: text(item.instanceId) ?? '',
      state: text(state?.name) ?? '',
      ...(ip ? { privateIpAddress: ip } : {}),
    };
  });
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
