import type { RootOperationNode } from 'kysely';
import { KithError } from '@kith/sdk';
import {
  DATA_TYPES, DDL_ROOTS, DIRECTIONS, DML_ROOTS, FK_ACTIONS, FUNCTIONS, IDENTIFIER, JOIN_TYPES, NODE_FIELDS, OPERATORS,
  RESERVED_TABLE, SELECT_MODIFIERS, type FieldRule,
} from './tree-allow-list.js';

/** Bounds on one tree: enough for a 500-row insert, not for a tree built to exhaust the host. */
const MAX_NODES = 50_000;
const MAX_DEPTH = 64;

/**
 * Take an extension's query tree as data and check it against the allow-list before anything
 * compiles it. The tree is structured-cloned first: getters, proxies, class instances and
 * functions either fail the clone or become plain values, and the extension keeps no reference
 * to what the host checks and runs. Throws `KITH_ERR_QUERY_REFUSED` on anything outside the list.
 */
export function validateTree(tree: unknown, options: { readonly allowDdl: boolean }): RootOperationNode {
  return validateClone(cloneTree(tree), options);
}

/** The extension's tree as the host's own plain data (see {@link validateTree}). */
export function cloneTree(tree: unknown): unknown {
  try {
    return structuredClone(tree);
  } catch {
    throw refuseTree('the query is not plain data');
  }
}

/** {@link validateTree} of a tree already cloned with {@link cloneTree}. */
export function validateClone(copy: unknown, options: { readonly allowDdl: boolean }): RootOperationNode {
  if (!isRecord(copy)) throw refuseTree('the query is not a node');
  const kind = copy.kind;
  if (typeof kind !== 'string' || !(DML_ROOTS.has(kind) || (options.allowDdl && DDL_ROOTS.has(kind)))) {
    const what = kind === 'RawNode' ? 'raw SQL' : typeof kind === 'string' && /^[A-Za-z]{1,40}$/.test(kind) ? kind : 'this statement';
    throw refuseTree(`${what} is not allowed${typeof kind === 'string' && DDL_ROOTS.has(kind) ? ' outside migrate()' : ''}`);
  }
  const budget = { nodes: 0 };
  checkNode(copy, 0, budget);
  return copy as unknown as RootOperationNode;
}

function checkNode(node: unknown, depth: number, budget: { nodes: number }): void {
  if (depth > MAX_DEPTH) throw refuseTree('the query is nested too deeply');
  if (++budget.nodes > MAX_NODES) throw refuseTree('the query is too large');
  if (!isRecord(node) || typeof node.kind !== 'string') throw refuseTree('the query holds something that is not a node');
  const fields = Object.hasOwn(NODE_FIELDS, node.kind) ? NODE_FIELDS[node.kind] : undefined;
  if (!fields) throw refuseTree(node.kind === 'RawNode' ? 'raw SQL is not allowed' : `${safeName(node.kind)} is not allowed`);
  for (const [key, value] of Object.entries(node)) {
    if (key === 'kind' || value === undefined) continue;
    const rule = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!rule) throw refuseTree(`${node.kind}.${safeName(key)} is not allowed`);
    checkField(node.kind, key, rule, value, depth, budget);
  }
  if (node.kind === 'TableNode') checkTableName(node);
  // An immediate value is written into the SQL (strings quoted by kysely): only finite numbers, strings, booleans, null.
  if (node.kind === 'ValueNode' && node.immediate === true && !isImmediate(node.value)) throw refuseTree('this inline value is not allowed');
}

function isImmediate(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint' || (typeof value === 'number' && Number.isFinite(value));
}

function checkField(kind: string, key: string, rule: FieldRule, value: unknown, depth: number, budget: { nodes: number }): void {
  const where = `${kind}.${key}`;
  switch (rule) {
    case 'node':
      return checkNode(value, depth + 1, budget);
    case 'nodes':
      if (!Array.isArray(value)) throw refuseTree(`${where} must be a list`);
      for (const item of value) checkNode(item, depth + 1, budget);
      return;
    case 'flag':
      if (typeof value !== 'boolean') throw refuseTree(`${where} must be true or false`);
      return;
    case 'identifier':
      if (typeof value !== 'string' || !IDENTIFIER.test(value)) throw refuseTree(`${quoted(value)} is not an allowed name (letters, digits, _)`);
      return;
    case 'function':
      return oneOf(FUNCTIONS, value, 'function');
    case 'operator':
      return oneOf(OPERATORS, value, 'operator');
    case 'dataType':
      return oneOf(DATA_TYPES, value, 'column type');
    case 'joinType':
      return oneOf(JOIN_TYPES, value, 'join');
    case 'fkAction':
      return oneOf(FK_ACTIONS, value, 'foreign key action');
    case 'modifier':
      return oneOf(SELECT_MODIFIERS, value, 'select modifier');
    case 'value':
      if (!isValue(value)) throw refuseTree(`${where} is not a value`);
      return;
    case 'values':
      if (!Array.isArray(value) || !value.every(isValue)) throw refuseTree(`${where} must be a list of values`);
      budget.nodes += value.length;
      if (budget.nodes > MAX_NODES) throw refuseTree('the query is too large');
      return;
    case 'direction':
      // kysely writes `asc`/`desc` as a raw node; only that exact node passes.
      if (
        !isRecord(value) || value.kind !== 'RawNode' || Object.keys(value).some((k) => !['kind', 'sqlFragments', 'parameters'].includes(k)) ||
        !Array.isArray(value.sqlFragments) || value.sqlFragments.length !== 1 || !DIRECTIONS.has(value.sqlFragments[0] as string) ||
        !Array.isArray(value.parameters) || value.parameters.length !== 0
      ) {
        throw refuseTree('raw SQL is not allowed');
      }
      return;
  }
}

/** Table names stay in the extension's namespace: no catalogue, host or other extension's names. */
function checkTableName(node: Record<string, unknown>): void {
  const table = node.table as { kind?: string; identifier?: { name?: string } };
  if (table.kind !== 'SchemableIdentifierNode') throw refuseTree('a table must be named');
  const name = String(table.identifier?.name);
  if (RESERVED_TABLE.test(name)) throw refuseTree(`table "${name}" is outside this extension's storage`);
}

function oneOf(allowed: ReadonlySet<string>, value: unknown, what: string): void {
  if (typeof value !== 'string' || !allowed.has(value)) throw refuseTree(`${what} ${quoted(value)} is not allowed`);
}

/** What a bound parameter may be. */
export function isValue(value: unknown): boolean {
  return value === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof value) || value instanceof Uint8Array;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Echo a refused name in the error, shortened and without control characters. */
function quoted(value: unknown): string {
  return JSON.stringify(String(value).slice(0, 60));
}

function safeName(value: string): string {
  return /^[A-Za-z]{1,40}$/.test(value) ? value : quoted(value);
}

export function refuseTree(reason: string): KithError {
  return new KithError('KITH_ERR_QUERY_REFUSED', `Scoped storage: ${reason}`);
}
