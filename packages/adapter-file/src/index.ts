export { type BoundedRead, readBounded } from "./bounded-read.js";
export { CATALOG_FORMAT, CATALOG_FORMAT_VERSION } from "./catalog-format.js";
export { type FileStore, type FileStoreOptions, type FileStoreStats, fileStore } from "./file-store.js";
export { type FolderSourceOptions, folderSource } from "./folder-source.js";
export { JOURNAL_FORMAT } from "./journal-format.js";
