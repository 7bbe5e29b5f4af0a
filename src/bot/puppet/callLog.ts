/**
 * What a recording mock puppet was asked to do that the stock mock drops on the floor.
 *
 * Entries are bounded (oldest dropped first) so a demo left running for a week keeps a constant footprint; `dropped`
 * says how many went, so a reader of a long log knows it is not the whole story.
 */
import type { payloads } from 'wechaty-puppet';

/** A Moments sayable as recorded: file contents are summarised, never kept (a base64 image can be megabytes). */
export interface RecordedSayable {
  type: string;
  text?: string;
  fileName?: string;
  url?: string;
  title?: string;
}

interface EntryBase {
  /** From the clock the recorder was given, so fake-clock tests and `simulate` see their own time. */
  at: Date;
}

export type PuppetCallEntry =
  | (EntryBase & { kind: 'tagContactAdd'; tagId: string; contactId: string })
  | (EntryBase & { kind: 'tagContactRemove'; tagId: string; contactId: string })
  | (EntryBase & { kind: 'messageSendUrl'; conversationId: string; urlLink: payloads.UrlLink; messageId: string })
  | (EntryBase & {
      kind: 'messageSendMiniProgram';
      conversationId: string;
      miniProgram: payloads.MiniProgram;
      messageId: string;
    })
  | (EntryBase & { kind: 'postPublish'; postId: string; postType: number; sayables: RecordedSayable[] })
  | (EntryBase & { kind: 'roomAdd'; roomId: string; contactId: string; inviteOnly: boolean })
  | (EntryBase & { kind: 'friendshipAccept'; friendshipId: string; contactId?: string });

export type PuppetCallKind = PuppetCallEntry['kind'];
export type PuppetCallOf<K extends PuppetCallKind> = Extract<PuppetCallEntry, { kind: K }>;

export interface PuppetCallLogOptions {
  /** Entries kept; older ones are dropped. @default 1000 @minimum 1 */
  maxEntries?: number;
}

export class PuppetCallLog {
  readonly maxEntries: number;
  private list: PuppetCallEntry[] = [];
  private droppedCount = 0;
  private readonly listeners = new Set<(entry: PuppetCallEntry) => void>();

  constructor(options: PuppetCallLogOptions = {}) {
    const max = options.maxEntries ?? 1000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxEntries must be a positive integer, got ${max}`);
    this.maxEntries = max;
  }

  record(entry: PuppetCallEntry): void {
    this.list.push(entry);
    if (this.list.length > this.maxEntries) {
      const excess = this.list.length - this.maxEntries;
      this.list.splice(0, excess);
      this.droppedCount += excess;
    }
    for (const listener of this.listeners) {
      // A test's listener that throws must not break the puppet call that is being recorded.
      try {
        listener(entry);
      } catch {
        /* ignored on purpose */
      }
    }
  }

  /** Entries oldest first, optionally of one kind. */
  entries(): PuppetCallEntry[];
  entries<K extends PuppetCallKind>(kind: K): PuppetCallOf<K>[];
  entries(kind?: PuppetCallKind): PuppetCallEntry[] {
    return kind === undefined ? [...this.list] : this.list.filter((entry) => entry.kind === kind);
  }

  last<K extends PuppetCallKind>(kind: K): PuppetCallOf<K> | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const entry = this.list[i]!;
      if (entry.kind === kind) return entry as PuppetCallOf<K>;
    }
    return undefined;
  }

  get size(): number {
    return this.list.length;
  }

  /** Entries dropped to stay within `maxEntries` since the log was created or cleared. */
  get dropped(): number {
    return this.droppedCount;
  }

  clear(): void {
    this.list = [];
    this.droppedCount = 0;
  }

  /** Calls `listener` for every new entry (tests await a call this way instead of sleeping). */
  subscribe(listener: (entry: PuppetCallEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
