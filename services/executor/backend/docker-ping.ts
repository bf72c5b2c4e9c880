import Docker from 'dockerode';

/**
 * The executor's readiness check of the Docker API: `GET /_ping` on the engine the swarm
 * backend uses (DOCKER_HOST or the local socket). Rejects saying why when it does not answer.
 */
export function dockerPing(docker: Docker = new Docker()): () => Promise<void> {
  return async () => {
    try {
      await docker.ping();
    } catch (err) {
      const { code, message } = err as { code?: string; message?: string };
      throw new Error(`the Docker API did not answer: ${code ?? message ?? String(err)}`);
    }
  };
}
