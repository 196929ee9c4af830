import path from 'node:path';
import ts from 'typescript';

/** A value the syntax tree does not tell (a call, a parameter, a computed key). */
export const UNKNOWN: unique symbol = Symbol('unknown');

export type Value =
  | string
  | number
  | boolean
  | null
  | undefined
  | typeof UNKNOWN
  | readonly Value[]
  | { readonly [key: string]: Value };

/** The parsed source of a repository file (path relative to the root, with `/`), undefined when absent. */
export type SourceLoader = (file: string) => ts.SourceFile | undefined;

// Deep enough for a table built from constants that spread other constants, short of any cycle.
const MAX_DEPTH = 12;

/**
 * Evaluates the constant expressions a test table is written with: literals, arrays, objects, `as const`,
 * constants of the same file and constants imported from a relative module. What it cannot tell is
 * UNKNOWN, never a guess.
 */
export class ConstantEvaluator {
  constructor(private readonly load: SourceLoader) {}

  evaluate(node: ts.Expression, depth = 0): Value {
    if (depth > MAX_DEPTH) return UNKNOWN;
    const next = depth + 1;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isNumericLiteral(node)) return Number(node.text);
    if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
    if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
    if (node.kind === ts.SyntaxKind.NullKeyword) return null;
    if (
      ts.isParenthesizedExpression(node) ||
      ts.isAsExpression(node) ||
      ts.isSatisfiesExpression(node) ||
      ts.isNonNullExpression(node) ||
      ts.isTypeAssertionExpression(node)
    ) {
      return this.evaluate(node.expression, next);
    }
    if (ts.isTemplateExpression(node)) return this.template(node, next);
    if (ts.isArrayLiteralExpression(node)) return this.array(node, next);
    if (ts.isObjectLiteralExpression(node)) return this.object(node, next);
    if (ts.isIdentifier(node)) return this.identifier(node, next);
    if (ts.isCallExpression(node)) return this.objectCall(node, next);
    return UNKNOWN;
  }

  private template(node: ts.TemplateExpression, depth: number): Value {
    let text = node.head.text;
    for (const span of node.templateSpans) {
      const value = this.evaluate(span.expression, depth);
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
        return UNKNOWN;
      text += String(value) + span.literal.text;
    }
    return text;
  }

  private array(node: ts.ArrayLiteralExpression, depth: number): Value {
    const items: Value[] = [];
    for (const element of node.elements) {
      if (ts.isSpreadElement(element)) {
        const spread = this.evaluate(element.expression, depth);
        if (!Array.isArray(spread)) return UNKNOWN;
        items.push(...spread);
      } else {
        items.push(this.evaluate(element, depth));
      }
    }
    return items;
  }

  private object(node: ts.ObjectLiteralExpression, depth: number): Value {
    const result: Record<string, Value> = {};
    for (const property of node.properties) {
      if (ts.isPropertyAssignment(property)) {
        const key = propertyKey(property.name);
        if (key !== undefined) result[key] = this.evaluate(property.initializer, depth);
      } else if (ts.isShorthandPropertyAssignment(property)) {
        result[property.name.text] = this.identifier(property.name, depth);
      } else if (ts.isSpreadAssignment(property)) {
        const spread = this.evaluate(property.expression, depth);
        if (!isRecord(spread)) return UNKNOWN;
        Object.assign(result, spread);
      } else {
        const key = property.name ? propertyKey(property.name) : undefined;
        if (key !== undefined) result[key] = UNKNOWN;
      }
    }
    return result;
  }

  // Object.entries / Object.keys / Object.values of a constant object: a common way to build a table.
  private objectCall(node: ts.CallExpression, depth: number): Value {
    const callee = node.expression;
    if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression)) return UNKNOWN;
    if (callee.expression.text !== 'Object' || node.arguments.length !== 1) return UNKNOWN;
    const target = this.evaluate(node.arguments[0] as ts.Expression, depth);
    if (!isRecord(target)) return UNKNOWN;
    switch (callee.name.text) {
      case 'entries':
        return Object.entries(target);
      case 'keys':
        return Object.keys(target);
      case 'values':
        return Object.values(target);
      default:
        return UNKNOWN;
    }
  }

  private identifier(node: ts.Identifier, depth: number): Value {
    if (node.text === 'undefined') return undefined;
    const found = findBinding(node.text, node);
    if (found === undefined) return UNKNOWN;
    if (!('file' in found)) return found.initializer ? this.evaluate(found.initializer, depth) : UNKNOWN;
    const imported = this.exported(found.file, found.name, node.getSourceFile().fileName);
    return imported ? this.evaluate(imported, depth) : UNKNOWN;
  }

  private exported(specifier: string, name: string, from: string): ts.Expression | undefined {
    if (!specifier.startsWith('.')) return undefined;
    const base = path.posix.join(path.posix.dirname(from), specifier);
    const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
    for (const candidate of candidates) {
      const source = this.load(candidate);
      if (source === undefined) continue;
      const declaration = constIn(source.statements, name);
      return declaration?.initializer;
    }
    return undefined;
  }
}

interface ImportBinding {
  readonly file: string;
  readonly name: string;
}

/** The `const` or import that a name refers to, from the innermost enclosing block outwards. */
function findBinding(name: string, from: ts.Node): ts.VariableDeclaration | ImportBinding | undefined {
  for (let scope: ts.Node | undefined = from.parent; scope !== undefined; scope = scope.parent) {
    if (!ts.isSourceFile(scope) && !ts.isBlock(scope) && !ts.isModuleBlock(scope)) continue;
    const declaration = constIn(scope.statements, name);
    if (declaration !== undefined) return declaration;
    if (ts.isSourceFile(scope)) return importIn(scope.statements, name);
  }
  return undefined;
}

function constIn(statements: ts.NodeArray<ts.Statement>, name: string): ts.VariableDeclaration | undefined {
  for (const statement of statements) {
    if (!ts.isVariableStatement(statement)) continue;
    if ((statement.declarationList.flags & ts.NodeFlags.Const) === 0) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name) && declaration.name.text === name) return declaration;
    }
  }
  return undefined;
}

function importIn(statements: ts.NodeArray<ts.Statement>, name: string): ImportBinding | undefined {
  for (const statement of statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings === undefined || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) {
      if (element.name.text === name) {
        return { file: statement.moduleSpecifier.text, name: (element.propertyName ?? element.name).text };
      }
    }
  }
  return undefined;
}

function propertyKey(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

function isRecord(value: Value): value is { readonly [key: string]: Value } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The title vitest gives one row of `.each(table)(template)`: `%#`/`%$` the row's index, printf
 * placeholders consume the row's values in order, `$key.path` reads a field of an object row. Values the
 * syntax tree does not tell leave their placeholder as written.
 */
export function formatTitle(template: string, row: Value, index: number): string {
  const items: readonly Value[] = Array.isArray(row) ? row : [row];
  const first = items[0] as Value;
  let next = 0;
  return template.replace(/%[%#$sdifjoOc]|\$([$\w.]+)/g, (written, key: string | undefined) => {
    if (key !== undefined) {
      const value = /^\d+$/.test(key) ? items[Number(key)] : isRecord(first) ? field(first, key) : UNKNOWN;
      return value === UNKNOWN ? written : display(value);
    }
    if (written === '%%') return '%';
    if (written === '%#') return String(index);
    if (written === '%$') return String(index + 1);
    if (next >= items.length) return written;
    const value = items[next++] as Value;
    if (value === UNKNOWN) return written;
    if (written === '%c') return '';
    if (written === '%j') return JSON.stringify(value);
    if (written === '%d' || written === '%i') return String(Number.parseInt(String(value), 10));
    if (written === '%f') return String(Number.parseFloat(String(value)));
    return display(value);
  });
}

function field(value: Value, key: string): Value {
  let current = value;
  for (const part of key.split('.')) {
    if (isRecord(current)) current = current[part];
    else if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else return UNKNOWN;
  }
  return current;
}

function display(value: Value): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}
