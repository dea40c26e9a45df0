// S3-compatible object stores as backup destinations: `s3://bucket/prefix`. Credentials and
// region come from the environment as the AWS SDK reads them (AWS_ACCESS_KEY_ID, ...); the
// endpoint of a store that is not AWS from RAFTDB_S3_ENDPOINT (or AWS_ENDPOINT_URL), which also
// turns on path-style addressing (most self-hosted stores need it). A backup is written to a local
// staging file first, checked and complete, and uploaded only then, so an object with a backup's
// name is always a whole backup. Reading goes through a read-only Disk over ranged GETs, so the
// reader, verify and restore are the same code for files and objects. The SDK is loaded only
// when an s3:// location is used.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Disk, DiskFile } from '../disk/disk.js';
import { BackupError } from './errors.js';

/** A bucket and a key prefix ('' or ending in '/'). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** Bytes fetched per ranged GET when the reader asks for less: a few chunks' headers and bodies at once. */
const READ_WINDOW_BYTES = 8 * 1024 * 1024;
/**
 * A backup larger than this goes up as a multipart upload, in parts of this size (S3: parts of
 * 5 MiB to 5 GiB, at most 10,000 of them; a single PUT at most 5 GiB). Each part is streamed from
 * the staging file, one at a time, so memory stays bounded whatever the backup's size.
 */
export const DEFAULT_PART_BYTES = 64 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** S3's largest object. */
const MAX_OBJECT_BYTES = 5 * 1024 ** 4;

/** `s3://bucket/some/prefix` as a location, or null when `url` is not an s3:// URL. */
export function parseS3Url(url: string): S3Location | null {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) {
    if (url.startsWith('s3://')) throw new BackupError(`${url}: not s3://bucket[/prefix] (bucket names are 3-63 characters of a-z, 0-9, '.' and '-')`);
    return null;
  }
  const rest = (m[2] ?? '').replace(/^\/+/, '');
  return { bucket: m[1]!, prefix: rest === '' || rest.endsWith('/') ? rest : `${rest}/` };
}

/** The object URL of a backup named `name` in `loc`. */
export function s3Url(loc: S3Location, name: string): string {
  return `s3://${loc.bucket}/${loc.prefix}${name}`;
}

/** A client configured from the environment. */
export async function s3ClientFromEnv(env: Record<string, string | undefined> = process.env): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const endpoint = env.RAFTDB_S3_ENDPOINT ?? env.AWS_ENDPOINT_URL;
  // A self-hosted store may not speak the SDK's default streaming checksums (aws-chunked bodies
  // with trailers): with a custom endpoint, checksums only where the API requires them.
  const compatible = { endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const;
  return new S3Client({ region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1', ...(endpoint ? compatible : {}) });
}

/** The backups under one s3:// location. */
export class S3Store {
  constructor(
    readonly client: S3Client,
    readonly loc: S3Location,
    /** Uploads above this size go up in parts of (at least) this size. */
    private readonly partBytes = DEFAULT_PART_BYTES,
  ) {}

  /** Names (relative to the prefix, no '/') and sizes of the objects directly under the prefix. */
  async list(): Promise<{ name: string; bytes: number }[]> {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const out: { name: string; bytes: number }[] = [];
    let token: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.loc.bucket, Prefix: this.loc.prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) {
        const name = (o.Key ?? '').slice(this.loc.prefix.length);
        if (name && !name.includes('/')) out.push({ name, bytes: o.Size ?? 0 });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /**
   * Uploads a complete local file as `name`: one PUT, or a multipart upload when it is larger
   * than a part. Either way the object appears under its name only once all of it is stored.
   */
  async upload(localPath: string, name: string): Promise<void> {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const bytes = (await stat(localPath)).size;
    if (bytes > MAX_OBJECT_BYTES) throw new BackupError(`${localPath} is ${bytes} bytes: an S3 object holds at most 5 TiB; write it to a directory`);
    if (bytes <= this.partBytes) {
      await this.client.send(new PutObjectCommand({ Bucket: this.loc.bucket, Key: this.loc.prefix + name, Body: createReadStream(localPath), ContentLength: bytes }));
      return;
    }
    await this.uploadInParts(localPath, name, bytes);
  }

  private async uploadInParts(localPath: string, name: string, bytes: number): Promise<void> {
    const { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } = await import('@aws-sdk/client-s3');
    const Bucket = this.loc.bucket;
    const Key = this.loc.prefix + name;
    const partBytes = Math.max(this.partBytes, Math.ceil(bytes / MAX_PARTS));
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    if (!UploadId) throw new BackupError(`${s3Url(this.loc, name)}: the store started a multipart upload without an upload id`);
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, n = 1; start < bytes; start += partBytes, n++) {
        const length = Math.min(partBytes, bytes - start);
        const Body = createReadStream(localPath, { start, end: start + length - 1 });
        const r = await this.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: n, Body, ContentLength: length }));
        if (!r.ETag) throw new BackupError(`${s3Url(this.loc, name)}: part ${n} stored without an ETag`);
        parts.push({ ETag: r.ETag, PartNumber: n });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      // Nothing under the name yet: drop the parts (best effort; a bucket lifecycle rule cleans up what this misses).
      await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  /** Stores `bytes` as the object `name` (small objects: archive segments). */
  async put(name: string, bytes: Buffer): Promise<void> {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await this.client.send(new PutObjectCommand({ Bucket: this.loc.bucket, Key: this.keyOf(name), Body: bytes, ContentLength: bytes.length }));
  }

  /** The whole object `name`. */
  async get(name: string): Promise<Buffer> {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const r = await this.client.send(new GetObjectCommand({ Bucket: this.loc.bucket, Key: this.keyOf(name) }));
    return Buffer.from(await r.Body!.transformToByteArray());
  }

  /** Deletes the object `name`. */
  async delete(name: string): Promise<void> {
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await this.client.send(new DeleteObjectCommand({ Bucket: this.loc.bucket, Key: this.keyOf(name) }));
  }

  /** The key of an object given as a full s3:// URL in this bucket, or as a name under the prefix. */
  keyOf(path: string): string {
    const bucketUrl = `s3://${this.loc.bucket}/`;
    return path.startsWith(bucketUrl) ? path.slice(bucketUrl.length) : this.loc.prefix + path;
  }

  /** A read-only Disk over this location: a path is an s3:// URL in the bucket or a name under the prefix. */
  disk(): Disk {
    const refuse = (): Promise<never> => Promise.reject(new BackupError('an s3:// location is read-only here'));
    return {
      open: async (name) => this.openObject(name),
      readFile: refuse,
      readdir: async () => (await this.list()).map((o) => o.name),
      sizeBytes: async (name) => (await this.head(name)).bytes,
      unlink: refuse,
      rename: refuse,
      mkdirp: refuse,
      syncDir: refuse,
    };
  }

  private async head(name: string): Promise<{ bytes: number }> {
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.loc.bucket, Key: this.keyOf(name) }));
      return { bytes: r.ContentLength ?? 0 };
    } catch (err) {
      if ((err as { name?: string }).name === 'NotFound') throw Object.assign(new Error(`s3://${this.loc.bucket}/${this.keyOf(name)}: no such object`), { code: 'ENOENT' });
      throw err;
    }
  }

  private async openObject(name: string): Promise<DiskFile> {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const { bytes } = await this.head(name);
    let window: { at: number; data: Buffer } | null = null;
    const fetch = async (at: number, length: number): Promise<Buffer> => {
      const end = Math.min(bytes, at + Math.max(length, READ_WINDOW_BYTES)) - 1;
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.loc.bucket, Key: this.keyOf(name), Range: `bytes=${at}-${end}` }));
      return Buffer.from(await r.Body!.transformToByteArray());
    };
    const refuse = (): never => {
      throw new BackupError('an s3:// object is read-only here');
    };
    return {
      read: async (buf, offset, length, position) => {
        if (position >= bytes || length <= 0) return 0;
        if (!window || position < window.at || position + length > window.at + window.data.length) window = { at: position, data: await fetch(position, length) };
        const from = position - window.at;
        const n = Math.min(length, window.data.length - from);
        window.data.copy(buf, offset, from, from + n);
        return n;
      },
      write: refuse,
      writev: refuse,
      writeSync: refuse,
      writevSync: refuse,
      truncate: refuse,
      datasync: async () => {},
      sync: async () => {},
      sizeBytes: async () => bytes,
      close: async () => {
        window = null;
      },
    };
  }
}
