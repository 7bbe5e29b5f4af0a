import { watch, type FSWatcher } from 'chokidar';
import { KocError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { formatDiagnostic, type Diagnostic } from './diagnostics.ts';
import { loadPlaybookFolder, type LoadOptions, type LoadResult } from './load.ts';
import type { PlaybookSet } from './model.ts';

/**
 * Hot reload: the running set changes only to a version that loads without errors. A broken edit is logged
 * with its diagnostics and the last good version keeps running.
 */
export interface ReloadOutcome {
  applied: boolean;
  diagnostics: Diagnostic[];
}

export class PlaybookReloader {
  #current: PlaybookSet;
  readonly #root: string;
  readonly #options: LoadOptions;
  readonly #logger: Logger;
  readonly #listeners = new Set<(set: PlaybookSet) => void>();

  /** Loads the folder; refuses to start from a version with errors (there is no last good version yet). */
  constructor(root: string, logger: Logger, options: LoadOptions = {}, load: (root: string, options: LoadOptions) => LoadResult = loadPlaybookFolder) {
    this.#root = root;
    this.#options = options;
    this.#logger = logger;
    this.#load = load;
    const first = load(root, options);
    if (!first.ok) {
      throw new KocError('KOC_PLAYBOOKS_INVALID', `the playbooks in ${root} have errors:\n${first.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n')}`, {
        hint: 'fix them (kocflow lint shows the same list), then start again',
      });
    }
    this.#current = first.set;
  }

  readonly #load: (root: string, options: LoadOptions) => LoadResult;

  current(): PlaybookSet {
    return this.#current;
  }

  onChange(listener: (set: PlaybookSet) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  reload(): ReloadOutcome {
    let result: LoadResult;
    try {
      result = this.#load(this.#root, this.#options);
    } catch (error) {
      this.#logger.error({ err: error, root: this.#root }, 'playbook reload failed; keeping the last good version');
      return { applied: false, diagnostics: [] };
    }
    if (!result.ok) {
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      this.#logger.warn({ errors: errors.length, diagnostics: errors.slice(0, 20).map(formatDiagnostic) }, 'playbooks changed but have errors; keeping the last good version');
      return { applied: false, diagnostics: result.diagnostics };
    }
    const changed = [...result.set.flows.values()].filter((f) => this.#current.flows.get(f.document.id)?.hash !== f.hash).map((f) => f.document.id);
    const removed = [...this.#current.flows.keys()].filter((id) => !result.set.flows.has(id));
    this.#current = result.set;
    this.#logger.info({ flows: result.set.flows.size, changed, removed }, 'playbooks reloaded');
    for (const listener of this.#listeners) listener(result.set);
    return { applied: true, diagnostics: result.diagnostics };
  }
}

/** Watches the folder and reloads after edits settle (editors write files in bursts). */
export function watchPlaybookFolder(reloader: PlaybookReloader, root: string, settleMs = 300): { close(): Promise<void>; ready: Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(root, { ignoreInitial: true, ignored: (path) => /(^|[/\\])\.|node_modules/.test(path.slice(root.length)) });
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => reloader.reload(), settleMs);
  };
  watcher.on('add', schedule).on('change', schedule).on('unlink', schedule);
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    close: async () => {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
