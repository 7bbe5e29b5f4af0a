import Handlebars from 'handlebars';

/**
 * Which variables a template shows, for `preview` to say which of them would render as nothing. One entry per
 * `{{…}}` that prints something: `{{contact.name}}` needs contact.name; `{{date coupon.expiresAt 'M月D日'}}` needs
 * coupon.expiresAt; `{{default contact.alias contact.name}}` needs one of the two. Paths only tested (`{{#if x}}`)
 * are optional by design, and inside `#each` / `#with` the scope is the item, unknown statically: neither is listed.
 */
export interface VariableUse {
  /** Dotted paths; the use is empty when every one of them is. */
  anyOf: string[];
}

export function templateVariableUses(text: string): VariableUse[] {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(text);
  } catch {
    return []; // lint reports syntax errors; a template with one never reaches preview
  }
  const uses: VariableUse[] = [];
  const pathOf = (node: hbs.AST.Node): string | undefined => {
    if (node.type !== 'PathExpression') return undefined;
    const path = node as hbs.AST.PathExpression;
    if (path.data || path.depth > 0 || path.original === 'this' || path.original.startsWith('this.')) return undefined;
    return path.parts.join('.');
  };
  const walk = (node: hbs.AST.Node | undefined, scoped: boolean): void => {
    if (!node) return;
    if (node.type === 'Program') {
      for (const statement of (node as hbs.AST.Program).body) walk(statement, scoped);
      return;
    }
    if (node.type === 'MustacheStatement' && !scoped) {
      const m = node as hbs.AST.MustacheStatement;
      const helper = m.params.length > 0 ? pathOf(m.path) : undefined;
      const params = m.params.map(pathOf).filter((p): p is string => p !== undefined);
      if (helper === 'default') {
        if (params.length) uses.push({ anyOf: params });
      } else if (helper === 'date') {
        if (params[0] !== undefined && m.params[0]?.type === 'PathExpression') uses.push({ anyOf: [params[0]] });
      } else if (helper === undefined) {
        const path = pathOf(m.path);
        if (path !== undefined) uses.push({ anyOf: [path] });
      }
      return;
    }
    if (node.type === 'BlockStatement') {
      const block = node as hbs.AST.BlockStatement;
      const name = pathOf(block.path);
      walk(block.program, scoped || name === 'each' || name === 'with');
      walk(block.inverse, scoped);
    }
  };
  walk(program, false);
  return uses;
}

/** The value at a dotted path of template variables. */
export function valueAtPath(vars: Record<string, unknown>, path: string): unknown {
  let node: unknown = vars;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** What a template would print as nothing: undefined, null, empty text or an empty list. */
export function isEmptyValue(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}
