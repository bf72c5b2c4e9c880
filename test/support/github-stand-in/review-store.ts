/** An issue (or pull request) comment as stored; the wire object is built per request. */
export interface StoredComment {
  id: number;
  owner: string;
  repo: string;
  issue: number;
  user: string;
  body: string;
  created_at: string;
}

/** A pull request review a test submitted, on the head it names. */
export interface StoredReview {
  id: number;
  user: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  commit_id: string;
  body: string;
  submitted_at: string;
}

/**
 * Comments, reviews and branch protection's required status checks, per repository
 * (names case-insensitive, as on GitHub).
 */
export class ReviewStore {
  private readonly comments: StoredComment[] = [];
  private readonly reviews = new Map<string, StoredReview[]>();
  private readonly protection = new Map<string, { strict: boolean; contexts: string[] }>();
  private nextId = 1;

  addComment(fields: Omit<StoredComment, 'id' | 'created_at'>): StoredComment {
    const comment = { ...fields, id: this.nextId++, created_at: now() };
    this.comments.push(comment);
    return comment;
  }

  /** Comments on issue or pull request `issue`, oldest first. */
  commentsOn(owner: string, repo: string, issue: number): StoredComment[] {
    return this.comments.filter((c) => same(c.owner, owner) && same(c.repo, repo) && c.issue === issue);
  }

  addReview(
    owner: string,
    repo: string,
    pull: number,
    fields: Omit<StoredReview, 'id' | 'submitted_at'>,
  ): StoredReview {
    const review = { ...fields, id: this.nextId++, submitted_at: now() };
    const key = pullKey(owner, repo, pull);
    this.reviews.set(key, [...(this.reviews.get(key) ?? []), review]);
    return review;
  }

  reviewsOf(owner: string, repo: string, pull: number): StoredReview[] {
    return this.reviews.get(pullKey(owner, repo, pull)) ?? [];
  }

  protect(owner: string, repo: string, branch: string, contexts: string[], strict: boolean): void {
    this.protection.set(`${owner.toLowerCase()}/${repo.toLowerCase()}:${branch}`, { strict, contexts: [...contexts] });
  }

  /** The branch's required status checks, or undefined when it is not protected. */
  protectionOf(owner: string, repo: string, branch: string): { strict: boolean; contexts: string[] } | undefined {
    return this.protection.get(`${owner.toLowerCase()}/${repo.toLowerCase()}:${branch}`);
  }
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function pullKey(owner: string, repo: string, pull: number): string {
  return `${owner.toLowerCase()}/${repo.toLowerCase()}#${pull}`;
}

/** The current time as GitHub writes it: UTC, whole seconds. */
function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
