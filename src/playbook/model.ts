import type { CampaignDocument, FlowDocument, LibraryDocument, TaskDocument, TiersDocument } from './schema/documents.ts';
import type { SubjectKind } from './schema/triggers.ts';
import type { ParsedYaml } from './yamlSource.ts';

/**
 * What the loader hands to the engine: every document of a playbook folder, validated and cross-checked, with
 * the file it came from. A flow carries the content hash that identifies its version in the store.
 */
export interface Located<T> {
  document: T;
  source: ParsedYaml;
}

export interface LoadedFlow extends Located<FlowDocument> {
  subject: SubjectKind;
  /** The library templates this flow uses, inlined: a run keeps the wordings of the version it started on. */
  templates: Record<string, string[]>;
  /** sha256 of the flow and of `templates`: a new hash is a new playbook version. */
  hash: string;
}

export interface PlaybookSet {
  /** Absolute path of the playbook folder. */
  root: string;
  flows: Map<string, LoadedFlow>;
  campaigns: Map<string, Located<CampaignDocument>>;
  tasks: Map<string, Located<TaskDocument>>;
  tiers: Located<TiersDocument> | undefined;
  libraries: Map<string, Located<LibraryDocument>>;
  /** Template name → its wordings (one is picked per recipient). */
  templates: Map<string, string[]>;
  /** Asset name → path relative to the playbook folder. */
  assets: Map<string, string>;
}

/** File access the linker needs, so it stays free of I/O (tests and the watcher give their own). */
export interface PlaybookFiles {
  /** Whether a file exists, by path relative to the playbook folder. */
  exists(relativePath: string): boolean;
  /** A text file's content, by path relative to the playbook folder, or undefined. */
  readText(relativePath: string): string | undefined;
}
