/**
 * kocflow.yaml: the stores, staff and bot accounts of a brand. Load it (or take the built-in demo), turn its
 * accounts into the engine's profiles, decide each account's puppet from the environment, and write it into the
 * store. Reference: docs/config.md.
 */
export {
  kocflowConfigSchema,
  DEFAULT_CONFIG_FILE,
  type KocflowConfig,
  type KocflowConfigInput,
  type AccountConfig,
  type StaffConfig,
  type StoreConfig,
  type Endpoint,
  type PuppetChoice,
} from './schema.ts';
export { loadConfig, loadConfigText, playbooksFolder, type ConfigLoad, type LoadConfigOptions } from './load.ts';
export { demoConfig, DEMO_CONFIG } from './demo.ts';
export { accountProfiles, accountProfilesAsRun, type ProfileSources } from './profiles.ts';
export { resolvePuppet, type ResolvedPuppet } from './puppet.ts';
export { mayCommand } from './commanders.ts';
export { syncConfigToStore, type SyncResult } from './sync.ts';
