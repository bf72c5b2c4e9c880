import { createHash } from 'node:crypto';
import aws4 from 'aws4';
import { describe, expect, it, jest } from '@jest/globals';
import {
  Ec2Error,
  encodeRfc3986,
  runInstancesRequest,
  terminateInstancesRequest,
} from '../../services/core/provision/ec2-requests.js';
import { Ec2Client, Ec2Provisioner, signQuery } from '../../services/shared/provision/ec2-client.js';

/**
 * The EC2 provisioner's requests, exactly: parameters of the Query API, their encoding, the
 * SigV4 signature (checked against a second, independent signer, aws4), and what it does with
 * EC2's answers (shaped like the API reference's examples). Nothing here reaches AWS.
 */

// The example credentials of AWS's SigV4 documentation.
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const NOW = new Date('2026-12-01T12:00:00Z');
const SCRIPT = "#!/bin/sh\nset -eu\nJOIN_TOKEN='SWMTKN-1-abc-def'\necho joined\n";

const launch = {
  region: 'eu-west-1',
  imageId: 'ami-0abcdef1234567890',
  instanceType: 't3.large',
  subnetId: 'subnet-0123456789abcdef0',
  securityGroupIds: ['sg-0a1b2c3d4e5f60718', 'sg-0f1e2d3c4b5a69788'],
  keyName: 'ops',
  instanceProfile: 'slipway-node',
};

const RUN_ANSWER = `<?xml version="1.0" encoding="UTF-8"?>
<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <reservationId>r-1234567890abcdef0</reservationId>
  <ownerId>123456789012</ownerId>
  <groupSet/>
  <instancesSet>
    <item>
      <instanceId>i-1234567890abcdef0</instanceId>
      <imageId>ami-0abcdef1234567890</imageId>
      <instanceState><code>0</code><name>pending</name></instanceState>
      <privateDnsName>ip-10-0-1-23.eu-west-1.compute.internal</privateDnsName>
      <privateIpAddress>10.0.1.23</privateIpAddress>
      <instanceType>t3.large</instanceType>
    </item>
  </instancesSet>
</RunInstancesResponse>`;

const TERMINATE_ANSWER = `<TerminateInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <instancesSet>
    <item>
      <instanceId>i-1234567890abcdef0</instanceId>
      <currentState><code>32</code><name>shutting-down</name></currentState>
      <previousState><code>16</code><name>running</name></previousState>
    </item>
  </instancesSet>
</TerminateInstancesResponse>`;

const errorAnswer = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors>` +
  `<RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>`;

function form(body: string): Array<[string, string]> {
  return [...new URLSearchParams(body).entries()];
}

describe('runInstancesRequest and terminateInstancesRequest', () => {
  it('asks for one instance with the bootstrap script as user data, idempotent by the request id', () => {
    const req = runInstancesRequest({
      ...launch,
      userData: SCRIPT,
      clientToken: 'prov-b1a2-1',
      tags: { 'slipway:request': 'prov-b1a2-1', 'slipway:label:pool': 'gpu & more' },
    });
    expect({ method: req.method, host: req.host, path: req.path, headers: req.headers }).toEqual({
      method: 'POST',
      host: 'ec2.eu-west-1.amazonaws.com',
      path: '/',
      headers: {
        host: 'ec2.eu-west-1.amazonaws.com',
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      },
    });
    expect(form(req.body)).toEqual([
      ['Action', 'RunInstances'],
      ['Version', '2016-11-15'],
      ['ImageId', 'ami-0abcdef1234567890'],
      ['InstanceType', 't3.large'],
      ['MinCount', '1'],
      ['MaxCount', '1'],
      ['ClientToken', 'prov-b1a2-1'],
      ['UserData', Buffer.from(SCRIPT).toString('base64')],
      ['InstanceInitiatedShutdownBehavior', 'terminate'],
      ['MetadataOptions.HttpEndpoint', 'enabled'],
      ['MetadataOptions.HttpTokens', 'required'],
      ['MetadataOptions.HttpPutResponseHopLimit', '1'],
      ['SubnetId', 'subnet-0123456789abcdef0'],
      ['SecurityGroupId.1', 'sg-0a1b2c3d4e5f60718'],
      ['SecurityGroupId.2', 'sg-0f1e2d3c4b5a69788'],
      ['KeyName', 'ops'],
      ['IamInstanceProfile.Name', 'slipway-node'],
      ['TagSpecification.1.ResourceType', 'instance'],
      ['TagSpecification.1.Tag.1.Key', 'slipway:request'],
      ['TagSpecification.1.Tag.1.Value', 'prov-b1a2-1'],
      ['TagSpecification.1.Tag.2.Key', 'slipway:label:pool'],
      ['TagSpecification.1.Tag.2.Value', 'gpu & more'],
    ]);
    expect(Buffer.from(new URLSearchParams(req.body).get('UserData')!, 'base64').toString()).toBe(SCRIPT);
    // Encoded as SigV4 expects: spaces as %20, never +; : and & escaped.
    expect(req.body).toContain('TagSpecification.1.Tag.2.Value=gpu%20%26%20more');
    expect(req.body).toContain('TagSpecification.1.Tag.1.Key=slipway%3Arequest');
  });

  it('terminates by instance id', () => {
    const req = terminateInstancesRequest('us-east-1', ['i-1234567890abcdef0', 'i-0598c7d356eba48d7']);
    expect(req.host).toBe('ec2.us-east-1.amazonaws.com');
    expect(req.body).toBe(
      'Action=TerminateInstances&Version=2016-11-15&InstanceId.1=i-1234567890abcdef0&InstanceId.2=i-0598c7d356eba48d7',
    );
  });

  it('refuses user data over 16 KB, a client token EC2 would refuse, and an unknown region', () => {
    expect(() => runInstancesRequest({ ...launch, userData: 'x'.repeat(16 * 1024 + 1), clientToken: 'a' })).toThrow(
      /16 KB/,
    );
    expect(() => runInstancesRequest({ ...launch, userData: SCRIPT, clientToken: 'x'.repeat(65) })).toThrow(/64/);
    expect(() => terminateInstancesRequest('eu west', ['i-1'])).toThrow(/not a region/);
  });

  it("percent-encodes like AWS: all but unreserved characters, including !'()*", () => {
    expect(encodeRfc3986("a b+c/d!'()*~._-é")).toBe('a%20b%2Bc%2Fd%21%27%28%29%2A~._-%C3%A9');
  });
});

describe('signQuery', () => {
  it('signs with SigV4 for ec2 in the region, as an independent signer (aws4) does', async () => {
    const req = terminateInstancesRequest('eu-west-1', ['i-1234567890abcdef0']);
    const signed = await signQuery(req, CREDENTIALS, NOW);
    expect(signed.url).toBe('https://ec2.eu-west-1.amazonaws.com/');
    expect(signed.body).toBe(req.body);
    expect(signed.headers['x-amz-date']).toBe('20261201T120000Z');
    expect(signed.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(req.body).digest('hex'));
    const authorization = signed.headers.authorization!;
    expect(authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261201\/eu-west-1\/ec2\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );

    // aws4 signs the headers it is given as they are (doNotModifyHeaders), at the same instant.
    jest.useFakeTimers({ now: NOW });
    let other: aws4.Request;
    try {
      other = aws4.sign(
        {
          host: req.host,
          method: 'POST',
          path: '/',
          service: 'ec2',
          region: 'eu-west-1',
          body: req.body,
          doNotModifyHeaders: true,
          headers: {
            host: req.host,
            'content-type': req.headers['content-type']!,
            'x-amz-date': signed.headers['x-amz-date']!,
            'x-amz-content-sha256': signed.headers['x-amz-content-sha256']!,
          },
        },
        CREDENTIALS,
      );
    } finally {
      jest.useRealTimers();
    }
    const headers = other.headers as Record<string, string>;
    expect(authorization).toBe(headers.Authorization);
  });

  it('sends a session token when the credentials have one', async () => {
    const req = terminateInstancesRequest('eu-west-1', ['i-1234567890abcdef0']);
    const signed = await signQuery(req, { ...CREDENTIALS, sessionToken: 'FwoGZXIvYXdzEXAMPLE' }, NOW);
    expect(signed.headers['x-amz-security-token']).toBe('FwoGZXIvYXdzEXAMPLE');
    expect(signed.headers.authorization).toContain('x-amz-security-token');
  });
});

describe('Ec2Provisioner', () => {
  /** A fetch that answers from a list and records each request. */
  function fakeEc2(answers: Array<[number, string] | Error>) {
    const sent: Array<{ url: string; headers: Record<string, string>; params: Array<[string, string]> }> = [];
    const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
      sent.push({
        url: String(url),
        headers: init?.headers as Record<string, string>,
        params: form(String(init?.body)),
      });
      const answer = answers.shift();
      if (!answer) throw new Error('no more answers');
      if (answer instanceof Error) throw answer;
      return new Response(answer[1], { status: answer[0] });
    }) as typeof fetch;
    const provisioner = new Ec2Provisioner(
      { ...launch, name: 'ec2-gpu', tags: { team: 'ci' } },
      new Ec2Client({ credentials: CREDENTIALS, fetch: fetchImpl, now: () => NOW }),
    );
    return { provisioner, sent };
  }

  const request = { id: 'prov-b1a2-1', labels: { pool: 'gpu' }, bootstrap: SCRIPT };

  it('starts one instance per request and stops it by id', async () => {
    const { provisioner, sent } = fakeEc2([
      [200, RUN_ANSWER],
      [200, TERMINATE_ANSWER],
    ]);
    const machine = await provisioner.start(request);
    expect(machine).toEqual({
      provisioner: 'ec2-gpu',
      machineId: 'i-1234567890abcdef0',
      requestId: 'prov-b1a2-1',
      address: '10.0.1.23',
    });
    expect(sent[0]!.url).toBe('https://ec2.eu-west-1.amazonaws.com/');
    expect(sent[0]!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261201\/eu-west-1\/ec2\//,
    );
    expect(sent[0]!.params).toEqual(
      expect.arrayContaining([
        ['ClientToken', 'prov-b1a2-1'],
        ['MetadataOptions.HttpTokens', 'required'],
        ['MetadataOptions.HttpPutResponseHopLimit', '1'],
        ['UserData', Buffer.from(SCRIPT).toString('base64')],
        ['TagSpecification.1.Tag.1.Key', 'team'],
        ['TagSpecification.1.Tag.1.Value', 'ci'],
        ['TagSpecification.1.Tag.2.Key', 'slipway:request'],
        ['TagSpecification.1.Tag.3.Key', 'slipway:label:pool'],
        ['TagSpecification.1.Tag.3.Value', 'gpu'],
      ]),
    );

    await provisioner.stop(machine);
    expect(sent[1]!.params).toEqual([
      ['Action', 'TerminateInstances'],
      ['Version', '2016-11-15'],
      ['InstanceId.1', 'i-1234567890abcdef0'],
    ]);
  });

  it('finds the instances of a request by its tag when no instance id is known, and stops them', async () => {
    const described = `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-0abcdef1234567890</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateIpAddress>10.0.1.23</privateIpAddress>
          <tagSet><item><key>slipway:request</key><value>prov-b1a2-1</value></item></tagSet>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
</DescribeInstancesResponse>`;
    const { provisioner, sent } = fakeEc2([
      [200, described],
      [200, TERMINATE_ANSWER],
    ]);
    await provisioner.stop({ provisioner: 'ec2-gpu', requestId: 'prov-b1a2-1' });
    expect(sent[0]!.params).toEqual([
      ['Action', 'DescribeInstances'],
      ['Version', '2016-11-15'],
      ['Filter.1.Name', 'tag:slipway:request'],
      ['Filter.1.Value.1', 'prov-b1a2-1'],
      ['Filter.2.Name', 'instance-state-name'],
      ['Filter.2.Value.1', 'pending'],
      ['Filter.2.Value.2', 'running'],
      ['Filter.2.Value.3', 'stopping'],
      ['Filter.2.Value.4', 'stopped'],
    ]);
    expect(sent[1]!.params).toContainEqual(['InstanceId.1', 'i-1234567890abcdef0']);

    // A start that made nothing: nothing to terminate, and no TerminateInstances without ids.
    const none = fakeEc2([[200, '<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>']]);
    await none.provisioner.stop({ provisioner: 'ec2-gpu', requestId: 'prov-b1a2-2' });
    expect(none.sent).toHaveLength(1);
  });

  it('treats an instance that is gone already as stopped', async () => {
    const { provisioner } = fakeEc2([
      [400, errorAnswer('InvalidInstanceID.NotFound', "The instance ID 'i-1234567890abcdef0' does not exist")],
    ]);
    await expect(
      provisioner.stop({ provisioner: 'ec2-gpu', machineId: 'i-1234567890abcdef0', requestId: 'prov-b1a2-1' }),
    ).resolves.toBeUndefined();
  });

  it.each([
    [400, 'InvalidAMIID.Malformed', 'Invalid id: "ami-0abc"', false],
    [403, 'UnauthorizedOperation', 'You are not authorized to perform this operation.', false],
    [503, 'RequestLimitExceeded', 'Request limit exceeded.', true],
    [500, 'InsufficientInstanceCapacity', 'We currently do not have sufficient t3.large capacity.', true],
  ])('turns HTTP %i %s into a typed error (retryable: %s)', async (status, code, message, retryable) => {
    const { provisioner } = fakeEc2([[status, errorAnswer(code, message)]]);
    const err = (await provisioner.start(request).catch((e: unknown) => e)) as Ec2Error;
    expect(err).toBeInstanceOf(Ec2Error);
    expect({ code: err.code, status: err.status, retryable: err.retryable, requestId: err.requestId }).toEqual({
      code,
      status,
      retryable,
      requestId: 'ea966190-f9aa-478e-9ede-example',
    });
    expect(err.message).toBe(`EC2 ${code}: ${message}`);
  });

  it('turns a network failure into a retryable error', async () => {
    const { provisioner } = fakeEc2([new TypeError('fetch failed')]);
    await expect(provisioner.start(request)).rejects.toMatchObject({ code: 'NetworkError', retryable: true });
  });
});
