import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { IntegrationError } from '../lambdas/core/errors';
import type { ListableBlobStore } from '../lambdas/core/ports';

/**
 * The blob store as a folder (`.local/blobs/`): a key is a relative path, so the archive and
 * claim-checked bodies can be read with ordinary tools (`zcat .local/blobs/archive/...`).
 *
 * @example
 * const blobs = new FileBlobStore('.local/blobs');
 * await blobs.put('payloads/github/2024-05-01/abc', body);
 */
export class FileBlobStore implements ListableBlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const path = resolve(this.root, key);
    // Keys come from our own code, but a key must never address a file outside the folder.
    if (!path.startsWith(this.root + sep)) throw new IntegrationError('permanent', `invalid blob key ${key}`);
    return path;
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new IntegrationError('permanent', `blob ${key} does not exist (expired or never written)`);
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Walk only the deepest folder the prefix names, then filter on the rest.
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else keys.push(relative(this.root, full).split(sep).join('/'));
      }
    };
    await walk(base ? this.path(base) : this.root);
    return keys.filter((k) => k.startsWith(prefix)).sort();
  }
}
