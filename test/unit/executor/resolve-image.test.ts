import { describe, expect, it } from '@jest/globals';
import { repositoryOf } from '../../../services/executor/backend/resolve-image.js';

describe('repositoryOf', () => {
  it.each([
    ['slipway/busybox:1', 'slipway/busybox'],
    ['busybox', 'busybox'],
    ['127.0.0.1:5000/busybox:1', '127.0.0.1:5000/busybox'],
    ['127.0.0.1:5000/team/busybox', '127.0.0.1:5000/team/busybox'],
    ['127.0.0.1:5000/busybox@sha256:' + 'a'.repeat(64), '127.0.0.1:5000/busybox'],
  ])('takes the tag, not a port, off %s', (image, repo) => {
    expect(repositoryOf(image)).toBe(repo);
  });
});
