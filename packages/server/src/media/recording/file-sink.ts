/**
 * A file written off the media path: appends and patches are queued and written in order by
 * one chain of asynchronous writes, so a slow disk never blocks packet forwarding. The first
 * failure (disk full, folder removed) stops the writing and is kept for the manifest.
 * @module
 */
import { open, type FileHandle } from 'node:fs/promises';

/** Most bytes queued for a disk that does not keep up; past it the file fails (memory stays bounded). */
export const MAX_PENDING_BYTES = 64 * 1024 * 1024;

/** Queued writes to one file. */
export class FileSink {
  readonly path: string;
  #chain: Promise<FileHandle | undefined>;
  #end = 0;
  #error: Error | undefined;
  /** Bytes queued but not yet written (a bound on memory held for a slow disk). */
  pendingBytes = 0;

  constructor(path: string) {
    this.path = path;
    this.#chain = open(path, 'w').catch((e: Error) => this.#fail(e));
  }

  #fail(e: Error): undefined {
    this.#error ??= e;
    return undefined;
  }

  /** The first write error, if any. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Appends `bytes`, or writes them at `position` (a patch of bytes written before). */
  write(bytes: Buffer, position?: number): void {
    if (this.#error) return;
    if (this.pendingBytes + bytes.length > MAX_PENDING_BYTES) {
      this.#fail(new Error(`the disk does not keep up: over ${MAX_PENDING_BYTES} bytes waiting to be written`));
      return;
    }
    const at = position ?? this.#end;
    if (position === undefined) this.#end += bytes.length;
    this.pendingBytes += bytes.length;
    this.#chain = this.#chain.then(async (fh) => {
      this.pendingBytes -= bytes.length;
      if (!fh || this.#error) return fh;
      try {
        await fh.write(bytes, 0, bytes.length, at);
        return fh;
      } catch (e) {
        this.#fail(e as Error);
        return fh;
      }
    });
  }

  /** Waits for every queued write, then closes the file. */
  async close(): Promise<void> {
    const fh = await this.#chain;
    this.#chain = Promise.resolve(undefined);
    await fh?.close().catch((e: Error) => this.#fail(e));
  }
}
