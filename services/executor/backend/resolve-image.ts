import type Docker from 'dockerode';

/**
 * The reference a step's image runs by, looked up once per build: the registry digest
 * (`repo@sha256:…`) when the local image came from a registry, else the local image id
 * (`sha256:…`, the same on every node that loaded the same image), else the image as written
 * (the task then says what is wrong with it, e.g. "No such image"). A task given an id, or a
 * digest that is present, starts without asking a registry first; a tag makes every task try.
 */
export async function resolveImage(docker: Docker, image: string): Promise<string> {
  if (/@sha256:[0-9a-f]{64}$/.test(image) || /^sha256:[0-9a-f]{64}$/.test(image)) return image;
  let found: { Id?: string; RepoDigests?: string[] } | undefined;
  try {
    found = (await docker.getImage(image).inspect()) as { Id?: string; RepoDigests?: string[] };
  } catch {
    return image;
  }
  const repo = repositoryOf(image);
  const digested = (found.RepoDigests ?? []).find((d) => d.slice(0, d.indexOf('@')) === repo);
  return digested ?? found.Id ?? image;
}

/** `host:5000/a/b:tag` → `host:5000/a/b` (a port's colon is not a tag's). */
export function repositoryOf(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
}
