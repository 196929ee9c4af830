import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';

/** One file of a zip: its bytes and the Unix mode stored in its central-directory entry. */
export interface ZipEntry {
  readonly data: Uint8Array;
  readonly mode: number;
}

/**
 * Reads a zip in-process. fflate gives the contents; the Unix modes (what makes a hook executable once
 * the agent unpacks it) sit in the upper half of each central-directory entry's external attributes.
 */
export function readZip(zip: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.byteLength - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = view.getUint16(end + 10, true);
  const modes = new Map<string, number>();
  let at = view.getUint32(end + 16, true);
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const external = view.getUint32(at + 38, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    modes.set(name, (external >>> 16) & 0o7777);
    at += 46 + nameLength + extraLength + commentLength;
  }
  const entries = new Map<string, ZipEntry>();
  for (const [name, data] of Object.entries(unzipSync(zip))) {
    entries.set(name, { data, mode: modes.get(name) ?? 0 });
  }
  return entries;
}

/** Writes the entries under `dir` with their modes, as the agent's DownloadBundle step does. */
export async function extract(entries: Map<string, ZipEntry>, dir: string): Promise<void> {
  for (const [name, entry] of entries) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, entry.data);
    await chmod(path, entry.mode || 0o644);
  }
}
