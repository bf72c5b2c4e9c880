import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { GitError, runGit } from './git.js';

/** The kinds of tree entries the contents API distinguishes. */
export type TreeEntryType = 'file' | 'dir' | 'symlink' | 'submodule';

/** One entry of a git tree, as the contents API needs it. */
export interface TreeEntry {
  type: TreeEntryType;
  /** The git object id (blob sha for files, tree sha for directories). */
  sha: string;
  /** Size in bytes of a blob; 0 for directories and submodules. */
  size: number;
  /** Last path segment. */
  name: string;
  /** Path from the repository root, no leading slash. */
  path: string;
}

/** What a path at a commit turned out to be. */
export type PathLookup =
  | { kind: 'missing' }
  | { kind: 'file' | 'symlink'; entry: TreeEntry; content: Buffer }
  | { kind: 'submodule'; entry: TreeEntry }
  | { kind: 'dir'; entries: TreeEntry[] };

const NAME = /^[A-Za-z0-9_.-]+$/;
const LS_TREE_LINE = /^(\d{6}) (blob|tree|commit) ([0-9a-f]{40,64}) +(-|\d+)\t([\s\S]*)$/;

/**
 * Bare git repositories laid out as `<basePath>/<owner>/<repo>.git`, which is what
 * `git daemon --base-path=<basePath>` serves as `git://host:port/<owner>/<repo>.git`.
 *
 * Commits are written with `git fast-import` straight into the bare repository (no
 * worktree), serialized per repository so concurrent commits to a branch never race.
 */
export class GitRepos {
  private readonly locks = new Map<string, Promise<unknown>>();

  /** @param basePath directory that holds `<owner>/<repo>.git`; must exist. */
  constructor(readonly basePath: string) {}

  /** Absolute path of the bare repository (whether or not it exists). */
  repoDir(owner: string, repo: string): string {
    assertName(owner, 'owner');
    assertName(repo, 'repo');
    return path.join(this.basePath, owner, `${repo}.git`);
  }

  /** True when {@link create} has made this repository. Invalid names are simply absent. */
  async exists(owner: string, repo: string): Promise<boolean> {
    if (!NAME.test(owner) || !NAME.test(repo) || isDots(owner) || isDots(repo)) return false;
    try {
      return (await stat(path.join(this.repoDir(owner, repo), 'HEAD'))).isFile();
    } catch {
      return false;
    }
  }

  /** Creates an empty bare repository whose HEAD names `main`. Throws if it already exists. */
  async create(owner: string, repo: string): Promise<void> {
    const dir = this.repoDir(owner, repo);
    if (await this.exists(owner, repo)) throw new Error(`repository ${owner}/${repo} already exists`);
    await mkdir(path.dirname(dir), { recursive: true });
    await runGit(['init', '--quiet', '--bare', '--initial-branch=main', dir]);
    // GitHub lets a client fetch any reachable commit by its sha (`git fetch origin <sha>`).
    await runGit(['--git-dir', dir, 'config', 'uploadpack.allowReachableSHA1InWant', 'true']);
  }

  /**
   * Commits `files` (path → UTF-8 content, mode 100644) on top of the branch's current tree
   * (or an empty tree for a new branch) and moves the branch to the new commit. When the
   * repository's HEAD names a branch that does not exist yet, HEAD is pointed at `branch`, so
   * the first branch committed becomes the default branch. Returns the new commit's full sha.
   */
  async commit(
    owner: string,
    repo: string,
    branch: string,
    files: Record<string, string>,
    message = 'Update files',
  ): Promise<string> {
    const dir = this.repoDir(owner, repo);
    if (!(await this.exists(owner, repo))) throw new Error(`repository ${owner}/${repo} does not exist`);
    await runGit(['check-ref-format', `refs/heads/${branch}`]).catch(() => {
      throw new Error(`invalid branch name: ${JSON.stringify(branch)}`);
    });
    return this.serialized(dir, async () => {
      const ref = `refs/heads/${branch}`;
      const parent = await this.revParse(dir, ref);
      await runGit(['--git-dir', dir, 'fast-import', '--quiet'], {
        input: fastImportStream(ref, parent, files, message),
      });
      const sha = await this.revParse(dir, ref);
      if (sha === undefined) throw new Error(`fast-import did not create ${ref}`);
      if ((await this.revParse(dir, 'HEAD')) === undefined) {
        await runGit(['--git-dir', dir, 'symbolic-ref', 'HEAD', ref]);
      }
      return sha;
    });
  }

  /** Name of the branch HEAD points at (GitHub's default branch). */
  async defaultBranch(owner: string, repo: string): Promise<string> {
    const out = await runGit(['--git-dir', this.repoDir(owner, repo), 'symbolic-ref', '--short', 'HEAD']);
    return out.toString('utf8').trim();
  }

  /**
   * Resolves a branch, tag or (possibly abbreviated) sha to a full commit sha, or `undefined`
   * when it names no commit. Without `ref`, resolves the default branch.
   */
  async resolveCommit(owner: string, repo: string, ref?: string): Promise<string | undefined> {
    const rev = ref ?? 'HEAD';
    if (rev === '' || rev.startsWith('-') || /[\s\0]/.test(rev)) return undefined;
    return this.revParse(this.repoDir(owner, repo), `${rev}^{commit}`);
  }

  /** What `filePath` (relative to the root, '' for the root) is at commit `sha`. */
  async lookup(owner: string, repo: string, sha: string, filePath: string): Promise<PathLookup> {
    const dir = this.repoDir(owner, repo);
    const clean = filePath.replace(/^\/+|\/+$/g, '');
    if (clean === '') return { kind: 'dir', entries: await this.listTree(dir, sha, '') };
    if (clean.split('/').some((s) => s === '' || isDots(s))) return { kind: 'missing' };
    const [entry] = await this.lsTree(dir, sha, ['--', clean], '');
    if (entry === undefined || entry.path !== clean) return { kind: 'missing' };
    switch (entry.type) {
      case 'dir':
        return { kind: 'dir', entries: await this.listTree(dir, entry.sha, clean) };
      case 'submodule':
        return { kind: 'submodule', entry };
      default: {
        const content = await runGit(['--git-dir', dir, 'cat-file', 'blob', entry.sha]);
        return { kind: entry.type, entry, content };
      }
    }
  }

  private listTree(dir: string, treeish: string, prefix: string): Promise<TreeEntry[]> {
    return this.lsTree(dir, treeish, [], prefix);
  }

  private async lsTree(dir: string, treeish: string, extra: string[], prefix: string): Promise<TreeEntry[]> {
    const out = await runGit(['--git-dir', dir, 'ls-tree', '-l', '-z', treeish, ...extra]);
    return out
      .toString('utf8')
      .split('\0')
      .filter((line) => line !== '')
      .map((line) => parseLsTreeLine(line, prefix));
  }

  private async revParse(dir: string, rev: string): Promise<string | undefined> {
    try {
      const out = await runGit(['--git-dir', dir, 'rev-parse', '--verify', '--quiet', rev]);
      return out.toString('utf8').trim();
    } catch (error) {
      if (error instanceof GitError) return undefined;
      throw error;
    }
  }

  private serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    this.locks.set(key, run.catch(() => undefined));
    return run;
  }
}

function parseLsTreeLine(line: string, prefix: string): TreeEntry {
  const match = LS_TREE_LINE.exec(line);
  if (match === null) throw new Error(`unexpected ls-tree output: ${JSON.stringify(line)}`);
  const [, mode, objectType, sha, size, name] = match as unknown as [string, string, string, string, string, string];
  const type: TreeEntryType =
    objectType === 'tree' ? 'dir' : objectType === 'commit' ? 'submodule' : mode === '120000' ? 'symlink' : 'file';
  const entryPath = prefix === '' ? name : `${prefix}/${name}`;
  return { type, sha, size: size === '-' ? 0 : Number(size), name: path.posix.basename(entryPath), path: entryPath };
}

/** A `git fast-import` stream for one commit of `files` onto `ref` (after `parent`, if any). */
function fastImportStream(ref: string, parent: string | undefined, files: Record<string, string>, message: string): Buffer {
  const chunks: Buffer[] = [];
  const line = (text: string): void => void chunks.push(Buffer.from(`${text}\n`, 'utf8'));
  const data = (content: string): void => {
    const bytes = Buffer.from(content, 'utf8');
    line(`data ${bytes.length}`);
    chunks.push(bytes, Buffer.from('\n'));
  };
  const now = Math.floor(Date.now() / 1000);
  line(`commit ${ref}`);
  line(`committer Slipway Stand-in <stand-in@slipway.invalid> ${now} +0000`);
  data(message);
  if (parent !== undefined) line(`from ${parent}`);
  for (const [filePath, content] of Object.entries(files)) {
    assertFilePath(filePath);
    line(`M 100644 inline ${filePath}`);
    data(content);
  }
  return Buffer.concat(chunks);
}

function assertName(name: string, what: string): void {
  if (!NAME.test(name) || isDots(name)) throw new Error(`invalid ${what} name: ${JSON.stringify(name)}`);
}

function assertFilePath(filePath: string): void {
  const segments = filePath.split('/');
  if (/[\n\0]/.test(filePath) || filePath.startsWith('"') || segments.some((s) => s === '' || isDots(s))) {
    throw new Error(`invalid file path: ${JSON.stringify(filePath)}`);
  }
}

function isDots(segment: string): boolean {
  return segment === '.' || segment === '..';
}
