import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A 256 MB tmpfs of our own, where this process may mount one (root with CAP_SYS_ADMIN), for a
 * real full disk (the fault test and `npm run bench faults`); undefined where it cannot.
 */
export function mountSmallDisk(prefix = 'cohort-small-disk-'): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

/** Unmounts and removes a disk of mountSmallDisk. */
export function unmountSmallDisk(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
