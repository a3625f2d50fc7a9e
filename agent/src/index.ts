export { scan, type ScanOptions } from './scan.ts';
export { Delivery, followCollector } from './credentials.ts';
export { sendInventory, SendError, type SendOptions } from './send.ts';
export { ALL_SOURCES, sourcesFor } from './sources/index.ts';
export type { InventorySource, SourceResult } from './sources/types.ts';
export { writePrivateFile } from './files.ts';
