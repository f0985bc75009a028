export { CATALOG_FORMAT, CATALOG_FORMAT_VERSION } from "./catalog-format.js";
export { type FileStore, type FileStoreOptions, fileStore } from "./file-store.js";
export { type FolderSourceOptions, folderSource } from "./folder-source.js";
