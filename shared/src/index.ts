export * from './wire.ts';
export * from './normalize.ts';
export * from './rules.ts';
export * from './cli.ts';
export * from './content-hash.ts';
export * from './identity.ts';
export * from './firmware.ts';
export * from './spool-state.ts';
