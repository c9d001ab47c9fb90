// Moved to src/nodeHost.ts (the editor's worker uses it too); the CLI and the tests import it from here as before.
export * from '../nodeHost';
