import Handlebars from 'handlebars';
import type { VariableTree } from '../schema/triggers.ts';
import { BUILT_IN_BLOCKS, TEMPLATE_HELPERS } from './helpers.ts';
import { didYouMean } from '../suggest.ts';

type Ast = hbs.AST.Node & Record<string, unknown>;

export interface TemplateProblem {
  code: 'KOC_TEMPLATE_SYNTAX' | 'KOC_TEMPLATE_UNKNOWN_VARIABLE' | 'KOC_TEMPLATE_UNKNOWN_HELPER';
  message: string;
}

const HELPERS = new Set<string>([...Object.keys(TEMPLATE_HELPERS), ...BUILT_IN_BLOCKS]);

/** Parsed templates by text: library templates are checked at every use, and many flows share wordings. */
const parsed = new Map<string, hbs.AST.Program | Error>();
const MAX_CACHED = 20_000;

function parseCached(text: string): hbs.AST.Program | Error {
  let result = parsed.get(text);
  if (result === undefined) {
    try {
      result = Handlebars.parse(text);
    } catch (error) {
      result = error as Error;
    }
    if (parsed.size >= MAX_CACHED) parsed.clear();
    parsed.set(text, result);
  }
  return result;
}

/** Checks one template's syntax, helpers and variables against what the flow's trigger provides. */
export function checkTemplate(text: string, variables: VariableTree | undefined): TemplateProblem[] {
  const program = parseCached(text);
  if (program instanceof Error) {
    const error = program;
    const lines = (error as Error).message.split('\n');
    const where = lines[0]!.replace(/^Parse error on /, '').replace(/:$/, '');
    const got = lines.find((l) => l.startsWith('Expecting'))?.replace(/.*got '(.*)'$/, 'got $1').replace('got EOF', 'the text ended') ?? lines[lines.length - 1]!;
    return [{ code: 'KOC_TEMPLATE_SYNTAX', message: `template syntax error on ${where} (${got}); check that every {{ has its }}` }];
  }
  const problems: TemplateProblem[] = [];
  const seen = new Set<string>();
  const report = (problem: TemplateProblem) => {
    if (!seen.has(problem.message)) {
      seen.add(problem.message);
      problems.push(problem);
    }
  };

  const checkPath = (node: Ast, scoped: boolean) => {
    if (node.type !== 'PathExpression' || !variables) return;
    const path = node as unknown as hbs.AST.PathExpression;
    if (path.data || path.depth > 0 || path.original === 'this' || path.original.startsWith('this.')) return;
    if (scoped) return; // inside #each / #with the scope is the item; its keys are not known statically
    const problem = lookup(path.parts, variables);
    if (problem) report({ code: 'KOC_TEMPLATE_UNKNOWN_VARIABLE', message: problem });
  };
  const checkHelper = (name: string) => {
    if (!HELPERS.has(name)) {
      report({ code: 'KOC_TEMPLATE_UNKNOWN_HELPER', message: `unknown template helper "${name}"${didYouMean(name, HELPERS)}; helpers are ${[...HELPERS].join(', ')}` });
    }
  };
  const walkParams = (node: Ast, scoped: boolean) => {
    for (const param of (node.params as Ast[] | undefined) ?? []) walkExpression(param, scoped);
    for (const pair of ((node.hash as { pairs?: { value: Ast }[] } | undefined)?.pairs) ?? []) walkExpression(pair.value, scoped);
  };
  const walkExpression = (node: Ast, scoped: boolean) => {
    if (node.type === 'SubExpression') {
      checkHelper(String(((node.path as unknown) as hbs.AST.PathExpression).original));
      walkParams(node, scoped);
    } else {
      checkPath(node, scoped);
    }
  };
  const walk = (node: Ast | undefined, scoped: boolean): void => {
    if (!node) return;
    switch (node.type) {
      case 'Program':
        for (const statement of (node as unknown as hbs.AST.Program).body) walk(statement as Ast, scoped);
        return;
      case 'MustacheStatement': {
        const hasArgs = ((node.params as unknown[]).length > 0) || node.hash !== undefined;
        const path = node.path as Ast;
        if (hasArgs && path.type === 'PathExpression') checkHelper(String((path as unknown as hbs.AST.PathExpression).original));
        else walkExpression(path, scoped);
        walkParams(node, scoped);
        return;
      }
      case 'BlockStatement': {
        const name = String(((node.path as unknown) as hbs.AST.PathExpression).original);
        checkHelper(name);
        walkParams(node, scoped);
        const inner = scoped || name === 'each' || name === 'with';
        walk(node.program as Ast, inner);
        walk(node.inverse as Ast | undefined, scoped);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
      case 'DecoratorBlock':
      case 'Decorator':
        report({ code: 'KOC_TEMPLATE_SYNTAX', message: 'partials ({{> name}}) and decorators are not supported; use { template: name } on the step' });
        return;
      default:
        return;
    }
  };
  walk(program as unknown as Ast, false);
  return problems;
}

function lookup(parts: string[], tree: VariableTree): string | undefined {
  let node: VariableTree | true | 'open' = tree;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (node === 'open') return undefined;
    if (node === true) return `"${parts.slice(0, i).join('.')}" has no field "${part}"`;
    const next: VariableTree | true | 'open' | undefined = node[part];
    if (next === undefined) {
      const where = i === 0 ? 'this flow\'s trigger does not provide' : `"${parts.slice(0, i).join('.')}" has no field`;
      const known = Object.keys(node);
      return `${where} "${i === 0 ? part : part}"${didYouMean(part, known)}; available here: ${known.map((k) => (i === 0 ? k : `${parts.slice(0, i).join('.')}.${k}`)).join(', ')}`;
    }
    node = next;
  }
  return undefined;
}
