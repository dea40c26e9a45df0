// The public surface of backups: files (format, writer, reader), taking one from a cluster,
// verifying and replaying one, and the keys that encrypt them.
export { BackupError, BackupCorruptError, BackupVersionError, BackupKeyError } from './errors.js';
export type { BackupLocation } from './errors.js';
export { BACKUP_FORMAT_VERSION, BACKUP_EXTENSION, PARTIAL_EXTENSION, COMPRESSIONS, LEVELS, DEFAULT_CHUNK_BYTES } from './format.js';
export type { Compression, FileManifest, FileTrailer } from './format.js';
export { BackupFileWriter, backupFileName, codecOptions } from './writer.js';
export type { BackupWriteOptions, WrittenBackup, SourceManifest, SourceSummary } from './writer.js';
export { BackupFileReader, readBackupSummary } from './reader.js';
export type { BackupReadOptions, BackupSummaryInfo } from './reader.js';
export { writeBackupFromStream, backupFromCluster, SUPPORTED_STREAM_VERSION } from './create.js';
export type { CreateOptions, ClusterBackup } from './create.js';
export { replayBackup, verifyBackup } from './replay.js';
export type { ReplayResult, ReplayOptions, VerifyResult } from './replay.js';
export { loadKeyFile, generateKeyFile, keyIdOf, KEY_BYTES } from './keys.js';
export type { BackupKey } from './keys.js';
export { restoreDataDir, restoredClusterId, RestoreRefusedError } from './restore.js';
export type { RestoreOptions, RestoreResult } from './restore.js';
