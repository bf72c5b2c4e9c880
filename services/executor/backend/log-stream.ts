import type Docker from 'dockerode';

/**
 * Reads the whole log of a container or a service (not followed) as it arrives, in Docker's
 * multiplexed framing without timestamps, handing each chunk to `onChunk`; resolves when the
 * engine has sent all of it. dockerode buffers a non-followed log whole before it answers, so
 * this asks the engine itself, through dockerode's connection. Rejects as dockerode does (a
 * missing container or service: `statusCode` 404) before any chunk is handed over.
 */
export async function readLogStream(
  docker: Docker,
  of: { container: string } | { service: string },
  onChunk: (chunk: Buffer) => void,
): Promise<void> {
  const path = 'container' in of ? `/containers/${of.container}/logs?` : `/services/${of.service}/logs?`;
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
    docker.modem.dial(
      {
        path,
        method: 'GET',
        isStream: true,
        statusCodes: { 200: true, 404: 'no such object', 500: 'server error', 503: 'node is not part of a swarm' },
        options: { follow: false, stdout: true, stderr: true, timestamps: false },
      },
      (err, data) => (err ? reject(err) : resolve(data as NodeJS.ReadableStream)),
    );
  });
  for await (const chunk of stream) onChunk(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
}
