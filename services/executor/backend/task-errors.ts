/**
 * Turns Docker's terse task errors into sentences a developer can act on. The original
 * text is kept at the end, so nothing is hidden.
 */
export function describeTaskError(err: string): string {
  const noImage = /No such image: ([^\s]+)/i.exec(err);
  if (noImage) {
    return (
      `No such image: ${noImage[1]} is not on the node and could not be pulled; ` +
      'check the image name or push it to a registry the swarm can reach'
    );
  }
  if (/invalid mount config|mount/i.test(err)) return `could not mount the workspace or a volume (${err})`;
  if (/non-zero exit \(137\)/.test(err))
    return `the step was killed (exit 137), most often for using more memory than its limit (${err})`;
  return err;
}
