export { filesystem } from './filesystem-destination.js';
export type { FilesystemAzureOptions, FilesystemConfig, FilesystemGcsOptions, FilesystemS3Options, GcsServiceAccountKey } from './filesystem-config.js';
export { FilesystemLayout } from './filesystem-layout.js';
export type { LoadMarker, MarkerFile } from './filesystem-manifest.js';
export { FilesystemReader } from './filesystem-reader.js';
export type { FileStore } from './file-store.js';
export { LocalFileStore } from './local-file-store.js';
