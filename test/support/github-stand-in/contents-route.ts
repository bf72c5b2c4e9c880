import type { TreeEntry } from './git-repos.js';
import { githubError, notFound, type RouteContext, type RouteHandler } from './route-types.js';

/** Files above this size come back with `encoding: "none"` and no content, as on GitHub. */
const INLINE_LIMIT = 1024 * 1024;
const RAW_MEDIA_TYPE = /application\/vnd\.github(?:\.v3)?\.raw/;

/** Where the objects the contents API describes live, to build their URL fields. */
interface Location {
  owner: string;
  repo: string;
  /** The ref as the client named it (or the default branch). */
  ref: string;
}

/**
 * `GET /repos/{owner}/{repo}/contents/{path}` (repos/get-content), read from the bare repo:
 * a file object (base64 content wrapped at 60 columns, as GitHub sends), a symlink object,
 * or a directory listing. `ref` defaults to the default branch. With the raw media type
 * (`Accept: application/vnd.github.raw`) a file comes back as its bytes. 404 with
 * "No commit found for the ref" for an unknown ref, plain "Not Found" for a missing repo or
 * path. Submodules cannot be made by `commit()` and answer 404.
 */
export const getContent: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', path = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const ref = request.query.get('ref') ?? (await context.repos.defaultBranch(owner, repo));
  const commit = await context.repos.resolveCommit(owner, repo, ref);
  if (commit === undefined) return githubError(404, `No commit found for the ref ${ref}`, context.docsUrl);
  const found = await context.repos.lookup(owner, repo, commit, path);
  const at: Location = { owner, repo, ref };
  switch (found.kind) {
    case 'missing':
    case 'submodule':
      return notFound(context);
    case 'dir':
      return { status: 200, body: found.entries.map((entry) => describe(entry, at, context)) };
    case 'symlink':
      return { status: 200, body: { ...describe(found.entry, at, context), target: found.content.toString('utf8') } };
    case 'file': {
      if (RAW_MEDIA_TYPE.test(request.headers.accept ?? '')) {
        return { status: 200, raw: { contentType: 'application/vnd.github.raw; charset=utf-8', data: found.content } };
      }
      const inline = found.content.length <= INLINE_LIMIT;
      return {
        status: 200,
        body: {
          ...describe(found.entry, at, context),
          content: inline ? wrap(found.content.toString('base64')) : '',
          encoding: inline ? 'base64' : 'none',
        },
      };
    }
  }
};

/** The fields every contents object has. */
function describe(entry: TreeEntry, at: Location, context: RouteContext): Record<string, unknown> {
  const repoApi = `${context.apiUrl}/repos/${at.owner}/${at.repo}`;
  const encodedPath = entry.path.split('/').map(encodeURIComponent).join('/');
  const url = `${repoApi}/contents/${encodedPath}?ref=${encodeURIComponent(at.ref)}`;
  const isDir = entry.type === 'dir';
  const gitUrl = `${repoApi}/git/${isDir ? 'trees' : 'blobs'}/${entry.sha}`;
  const htmlUrl =
    `${context.apiUrl}/${at.owner}/${at.repo}/${isDir ? 'tree' : 'blob'}/` +
    `${encodeURIComponent(at.ref)}/${encodedPath}`;
  const downloadUrl = isDir
    ? null
    : `${context.apiUrl}/raw/${at.owner}/${at.repo}/${encodeURIComponent(at.ref)}/${encodedPath}`;
  return {
    type: entry.type,
    size: entry.size,
    name: entry.name,
    path: entry.path,
    sha: entry.sha,
    url,
    git_url: gitUrl,
    html_url: htmlUrl,
    download_url: downloadUrl,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  };
}

function wrap(base64: string): string {
  return base64 === '' ? '' : `${base64.replace(/.{60}/g, '$&\n').replace(/\n$/, '')}\n`;
}
