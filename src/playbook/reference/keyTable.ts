import { BLOCK_KEY, type BuildingBlock, type JsonSchemaNode } from './jsonSchema.ts';

/**
 * Turns the JSON Schema of one part of the language into the rows of a reference table: every key with its
 * dotted path, its type in plain words, its default, whether it is required, and its description.
 *
 * Paths: `pacing.quietHours.from` is a key inside a map; `tiers[].name` is the `name` of each item of the list
 * `tiers`; `templates.<name>.file` is a key inside each entry of a map whose keys ops choose.
 */
export interface KeyRow {
  key: string;
  type: string;
  /** The default as YAML would show it, or '' when there is none. */
  default: string;
  required: boolean;
  description: string;
}

/** How a building block is named in a table: its word (singular and plural) and where it is explained. */
export interface BlockWords {
  one: string;
  many: string;
  /** A markdown anchor, e.g. #conditions. */
  link: string;
}

/** Words for the building blocks a reference explains; a block without words is described by its structure. */
export type BlockNames = Partial<Record<BuildingBlock, BlockWords>>;

/** Words and rows for one JSON Schema document (the root, for resolving `$ref`). */
export class KeyTable {
  readonly #root: JsonSchemaNode;
  readonly #blocks: BlockNames;

  constructor(root: JsonSchemaNode, blocks: BlockNames) {
    this.#root = root;
    this.#blocks = blocks;
  }

  /** The rows for the keys of a map node (by default the root), its nested maps expanded. */
  rows(node: JsonSchemaNode = this.#root, prefix = ''): KeyRow[] {
    const out: KeyRow[] = [];
    this.#collect(this.resolve(node), prefix, out);
    return out;
  }

  /** A `$ref` replaced by what it points at (the node's own keys, such as its description, win). */
  resolve(node: JsonSchemaNode): JsonSchemaNode {
    if (node.$ref === undefined) return node;
    const { $ref, ...own } = node;
    let target: JsonSchemaNode = this.#root;
    if ($ref !== '#') {
      const match = /^#\/\$defs\/(.+)$/.exec($ref);
      const found = match ? this.#root.$defs?.[match[1]!] : undefined;
      if (!found) throw new Error(`cannot resolve ${$ref}`);
      target = found;
    }
    return { ...this.resolve(target), ...own };
  }

  /** The type of a node in plain words, e.g. "text, up to 80 characters", "list of labels", "one of: auto, assist". */
  typeOf(raw: JsonSchemaNode, plural = false): string {
    const node = this.resolve(raw);
    const words = node[BLOCK_KEY] === undefined ? undefined : this.#blocks[node[BLOCK_KEY]];
    if (words) return `[${plural ? words.many : words.one}](${words.link})`;
    if (node.anyOf) return joinOr(unique(node.anyOf.map((n) => this.typeOf(n, plural))));
    if (node.const !== undefined) return code(node.const);
    if (node.enum) return `${plural ? 'each one of' : 'one of'}: ${node.enum.map(code).join(', ')}`;
    if (Array.isArray(node.type)) return joinOr(node.type.map((t) => this.typeOf({ type: t }, plural)));
    switch (node.type) {
      case 'string':
        return stringWords(node, plural);
      case 'integer':
      case 'number':
        return numberWords(node, plural);
      case 'boolean':
        return 'true or false';
      case 'null':
        return 'null';
      case 'array':
        return this.#listWords(node, plural);
      case 'object':
        return this.#mapWords(node, plural);
      default:
        return 'any value';
    }
  }

  #listWords(node: JsonSchemaNode, plural: boolean): string {
    const items = node.items ? this.resolve(node.items) : {};
    const of = items.enum && !items[BLOCK_KEY] ? joinOr(items.enum.map(code)) : this.typeOf(items, true);
    return `${plural ? 'lists' : 'list'} of ${of}${countWords(node.minItems, node.maxItems, '')}`;
  }

  #mapWords(node: JsonSchemaNode, plural: boolean): string {
    const values = node.additionalProperties;
    if (node.properties || typeof values !== 'object') return plural ? 'maps' : 'map';
    const keys = node.propertyNames ? this.typeOf(node.propertyNames) : 'text';
    return `${plural ? 'maps' : 'map'}: ${keys} → ${this.typeOf(values)}`;
  }

  #collect(node: JsonSchemaNode, prefix: string, out: KeyRow[]): void {
    const required = new Set(node.required ?? []);
    for (const [name, raw] of Object.entries(node.properties ?? {})) {
      const child = this.resolve(raw);
      const key = prefix + name;
      out.push({
        key,
        type: this.typeOf(child),
        default: child.default === undefined ? '' : code(child.default),
        required: required.has(name),
        description: child.description ?? '',
      });
      for (const [suffix, inner] of this.#nested(child)) this.#collect(inner, key + suffix, out);
    }
  }

  /** The maps inside a key whose keys get rows of their own, with the path text that leads to them. */
  #nested(node: JsonSchemaNode): [string, JsonSchemaNode][] {
    if (node[BLOCK_KEY]) return []; // explained in its own section
    if (node.properties) return [['.', node]];
    if (node.anyOf) return node.anyOf.flatMap((branch) => this.#nested(this.resolve(branch)));
    if (node.type === 'array' && node.items) return this.#nested(this.resolve(node.items)).map(([suffix, inner]) => [`[]${suffix}`, inner]);
    if (node.type === 'object' && typeof node.additionalProperties === 'object') {
      return this.#nested(this.resolve(node.additionalProperties)).map(([suffix, inner]) => [`.<name>${suffix}`, inner]);
    }
    return [];
  }
}

/** A markdown table of key rows. */
export function keyTableMarkdown(rows: readonly KeyRow[]): string {
  const lines = ['| Key | Type | Default | Required | Description |', '|---|---|---|---|---|'];
  for (const row of rows) {
    lines.push(`| \`${row.key}\` | ${cell(row.type)} | ${cell(row.default)} | ${row.required ? 'yes' : 'no'} | ${cell(row.description)} |`);
  }
  return lines.join('\n');
}

/** Text safe inside a markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** A value as code: `2h`, `true`, `0`. */
export function code(value: unknown): string {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

const SAFE_LIMIT = Number.MAX_SAFE_INTEGER;

function stringWords(node: JsonSchemaNode, plural: boolean): string {
  if (node.format === 'uri') return plural ? 'web addresses' : 'web address';
  if (node.pattern) return `text matching \`${node.pattern}\``;
  if (plural) return 'text';
  const count = countWords(node.minLength, node.maxLength, ' characters');
  return count ? `text, ${count.trim().slice(1, -1)}` : 'text';
}

function numberWords(node: JsonSchemaNode, plural: boolean): string {
  const base = node.type === 'integer' ? (plural ? 'whole numbers' : 'whole number') : plural ? 'numbers' : 'number';
  const min = node.minimum !== undefined && Math.abs(node.minimum) < SAFE_LIMIT ? node.minimum : undefined;
  const max = node.maximum !== undefined && Math.abs(node.maximum) < SAFE_LIMIT ? node.maximum : undefined;
  if (min !== undefined && max !== undefined) return `${base} from ${min} to ${max}`;
  if (min !== undefined) return min === 0 ? `${base}, 0 or more` : `${base}, at least ${min}`;
  if (max !== undefined) return `${base}, at most ${max}`;
  return base;
}

/** " (up to 9)", " (2 to 20 characters)", " (at least 2)"; '' when only "not empty" is asked. */
function countWords(min: number | undefined, max: number | undefined, unit: string): string {
  const low = min !== undefined && min > 1 ? min : undefined;
  if (low !== undefined && max !== undefined) return ` (${low} to ${max}${unit})`;
  if (low !== undefined) return ` (at least ${low}${unit})`;
  if (max !== undefined) return ` (up to ${max}${unit})`;
  return '';
}

function unique(words: string[]): string[] {
  return [...new Set(words)];
}

/** "text, number or true/false". */
function joinOr(raw: string[]): string {
  const words = raw.map((w) => (w === 'true or false' ? 'true/false' : w));
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}
