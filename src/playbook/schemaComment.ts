/**
 * The first line that tells a YAML language server which JSON Schema checks a file:
 * `# yaml-language-server: $schema=../../docs/kocflow.schema.json` (a path relative to the file, or a URL). To
 * kocflow it is a comment like any other; the sample playbooks and the files `kocflow init` writes carry it.
 */
const SCHEMA_LINE = /^# yaml-language-server: \$schema=(\S+)[^\n]*(?:\n|$)/;

export function schemaCommentLine(schemaPath: string): string {
  return `# yaml-language-server: $schema=${schemaPath}`;
}

/** The schema a file's first line names, or undefined. */
export function schemaOf(text: string): string | undefined {
  return SCHEMA_LINE.exec(text)?.[1];
}

/** The text without its schema line (the reference shows samples without it: the path is relative to the sample). */
export function withoutSchemaComment(text: string): string {
  return text.replace(SCHEMA_LINE, '');
}

/** The text with its first line naming this schema, replacing a schema line it has. */
export function withSchemaComment(text: string, schemaPath: string): string {
  return `${schemaCommentLine(schemaPath)}\n${withoutSchemaComment(text)}`;
}
