// Typed errors of backup files. The CLI prints their message and exits 1; each names the file,
// and a damaged one the chunk and byte offset, so an operator knows what to look at.

/** Base class: every failure of a backup file or its key. */
export class BackupError extends Error {
  override name = 'BackupError';
}

/** Where in a backup file something is wrong: a chunk (0-based) or a named part, and a byte offset. */
export interface BackupLocation {
  /** 'preamble' | 'header' | 'chunk' | 'trailer' | 'footer'. */
  part: 'preamble' | 'header' | 'chunk' | 'trailer' | 'footer';
  /** The chunk's index, for part 'chunk'. */
  chunk?: number;
  offset: number;
}

/** Damaged, truncated or foreign bytes: nothing read from the file may be trusted. */
export class BackupCorruptError extends BackupError {
  override name = 'BackupCorruptError';
  constructor(
    readonly file: string,
    readonly at: BackupLocation,
    readonly reason: string,
  ) {
    const where = at.part === 'chunk' ? `chunk ${at.chunk} at byte offset ${at.offset}` : `${at.part} at byte offset ${at.offset}`;
    super(`backup ${file} is damaged: ${where}: ${reason}`);
  }
}

/** A backup in a format this raftdb cannot read (a newer one, say): it names both versions. */
export class BackupVersionError extends BackupError {
  override name = 'BackupVersionError';
  constructor(
    readonly file: string,
    readonly version: number,
    readonly supported: number,
  ) {
    super(
      version > supported
        ? `backup ${file} has format version ${version}, newer than this raftdb's version ${supported}: read it with a newer raftdb`
        : `backup ${file} has format version ${version}, which this raftdb (version ${supported}) cannot read`,
    );
  }
}

/** An encrypted backup without its key, with another key, or a key file that is not a key. */
export class BackupKeyError extends BackupError {
  override name = 'BackupKeyError';
}
