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

/** Who made a commit, and when (ISO 8601 in UTC, as GitHub writes dates). */
export interface GitIdentity {
  name: string;
  email: string;
  date: string;
}

/** A commit as git records it. */
export interface CommitInfo {
  sha: string;
  /** The commit's root tree. */
  tree: string;
  /** Parent shas, first parent first. */
  parents: string[];
  author: GitIdentity;
  committer: GitIdentity;
  /** The full message, without trailing newlines. */
  message: string;
}

/** One file that differs between two commits. */
export interface ChangedFile {
  path: string;
  /** Git's A/D/M, and `changed` for a type change (e.g. file to symlink). */
  status: 'added' | 'removed' | 'modified' | 'changed';
  /** The blob after the change, or before it for a removed file. */
  sha: string;
  /** Lines added and deleted; 0 for binary content. */
  additions: number;
  deletions: number;
}

const NAME = /^[A-Za-z0-9_.-]+$/;
/** `git log` fields separated by US (0x1f), each commit ended by RS (0x1e). */
const LOG_FORMAT = ['%H', '%T', '%P', '%an', '%ae', '%aI', '%cn', '%ce', '%cI', '%B'].join('%x1f') + '%x1e';
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
   * and moves the branch to the new commit. A new branch starts from an empty tree with no
   * parent, or, when `from` (a branch, tag or sha) is given, from that commit, as `git branch
   * <branch> <from>` would; `from` is ignored once the branch exists, and throws when it names
   * no commit. When the repository's HEAD names a branch that does not exist yet, HEAD is
   * pointed at `branch`, so the first branch committed becomes the default branch. Returns the
   * new commit's full sha.
   */
  async commit(
    owner: string,
    repo: string,
    branch: string,
    files: Record<string, string>,
    message = 'Update files',
    from?: string,
  ): Promise<string> {
    const dir = this.repoDir(owner, repo);
    if (!(await this.exists(owner, repo))) throw new Error(`repository ${owner}/${repo} does not exist`);
    await runGit(['check-ref-format', `refs/heads/${branch}`]).catch(() => {
      throw new Error(`invalid branch name: ${JSON.stringify(branch)}`);
    });
    return this.serialized(dir, async () => {
      const ref = `refs/heads/${branch}`;
      let parent = await this.revParse(dir, ref);
      if (parent === undefined && from !== undefined) {
        parent = await this.resolveCommit(owner, repo, from);
        if (parent === undefined)
          throw new Error(`cannot start ${branch} from ${JSON.stringify(from)}: no such commit`);
      }
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

  /** The best common ancestor of commits `a` and `b` (full shas), or `undefined` when they share none. */
  async mergeBase(owner: string, repo: string, a: string, b: string): Promise<string | undefined> {
    try {
      const out = await runGit(['--git-dir', this.repoDir(owner, repo), 'merge-base', a, b]);
      return out.toString('utf8').trim();
    } catch (error) {
      if (error instanceof GitError && error.exitCode === 1) return undefined;
      throw error;
    }
  }

  /**
   * How commits `base` and `head` (full shas) relate: `ahead` counts the commits reachable
   * from `head` but not `base`, `behind` those reachable from `base` but not `head`
   * (`git rev-list --left-right --count base...head`).
   */
  async aheadBehind(
    owner: string,
    repo: string,
    base: string,
    head: string,
  ): Promise<{ ahead: number; behind: number }> {
    const out = await runGit([
      '--git-dir',
      this.repoDir(owner, repo),
      'rev-list',
      '--left-right',
      '--count',
      `${base}...${head}`,
    ]);
    const [behind = 0, ahead = 0] = out.toString('utf8').trim().split(/\s+/).map(Number);
    return { ahead, behind };
  }

  /** The commits reachable from `head` but not from `base` (full shas), oldest first. */
  async commitsBetween(owner: string, repo: string, base: string, head: string): Promise<CommitInfo[]> {
    return this.log(this.repoDir(owner, repo), ['--reverse', '--topo-order', head, `^${base}`]);
  }

  /** Commit `sha` (a full sha) as git records it. */
  async commitInfo(owner: string, repo: string, sha: string): Promise<CommitInfo> {
    const [info] = await this.log(this.repoDir(owner, repo), ['--no-walk', sha]);
    if (info === undefined) throw new Error(`no commit ${sha} in ${owner}/${repo}`);
    return info;
  }

  /**
   * The files that differ between commits `from` and `to` (full shas), without rename
   * detection, in path order, with line counts (0 and 0 for binary files).
   */
  async changedFiles(owner: string, repo: string, from: string, to: string): Promise<ChangedFile[]> {
    const dir = this.repoDir(owner, repo);
    const diff = ['--git-dir', dir, 'diff', '--no-renames', '--no-ext-diff', '--no-textconv', '-z'];
    const raw = (await runGit([...diff, '--raw', '--no-abbrev', from, to])).toString('utf8').split('\0');
    const numstat = (await runGit([...diff, '--numstat', from, to])).toString('utf8').split('\0');
    const counts = new Map<string, { additions: number; deletions: number }>();
    for (const line of numstat) {
      const match = /^(-|\d+)\t(-|\d+)\t([\s\S]*)$/.exec(line);
      if (match === null) continue;
      const [, added = '-', deleted = '-', filePath = ''] = match;
      counts.set(filePath, {
        additions: added === '-' ? 0 : Number(added),
        deletions: deleted === '-' ? 0 : Number(deleted),
      });
    }
    const files: ChangedFile[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const match = /^:\d{6} \d{6} ([0-9a-f]+) ([0-9a-f]+) ([A-Z])\d*$/.exec(raw[i] ?? '');
      if (match === null) continue;
      const [, oldSha = '', newSha = '', letter = ''] = match;
      const filePath = raw[i + 1] ?? '';
      const status: ChangedFile['status'] =
        letter === 'A' ? 'added' : letter === 'D' ? 'removed' : letter === 'M' ? 'modified' : 'changed';
      const { additions, deletions } = counts.get(filePath) ?? { additions: 0, deletions: 0 };
      files.push({ path: filePath, status, sha: status === 'removed' ? oldSha : newSha, additions, deletions });
    }
    return files;
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

  private async log(dir: string, revisions: string[]): Promise<CommitInfo[]> {
    const out = await runGit([
      '--git-dir',
      dir,
      'log',
      '--no-color',
      '--no-decorate',
      `--format=${LOG_FORMAT}`,
      ...revisions,
      '--',
    ]);
    return out
      .toString('utf8')
      .split('\x1e')
      .map((record) => record.replace(/^\n/, ''))
      .filter((record) => record !== '')
      .map(parseLogRecord);
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
    this.locks.set(
      key,
      run.catch(() => undefined),
    );
    return run;
  }
}

function parseLogRecord(record: string): CommitInfo {
  const fields = record.split('\x1f');
  if (fields.length !== 10) throw new Error(`unexpected git log output: ${JSON.stringify(record)}`);
  const [
    sha,
    tree,
    parents,
    authorName,
    authorEmail,
    authorDate,
    committerName,
    committerEmail,
    committerDate,
    message,
  ] = fields as [string, string, string, string, string, string, string, string, string, string];
  return {
    sha,
    tree,
    parents: parents === '' ? [] : parents.split(' '),
    author: { name: authorName, email: authorEmail, date: utc(authorDate) },
    committer: { name: committerName, email: committerEmail, date: utc(committerDate) },
    message: message.replace(/\n+$/, ''),
  };
}

/** An ISO 8601 date with any offset, as GitHub writes it: UTC, whole seconds, `Z`. */
function utc(date: string): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z');
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
function fastImportStream(
  ref: string,
  parent: string | undefined,
  files: Record<string, string>,
  message: string,
): Buffer {
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
