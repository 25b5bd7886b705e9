import type { CompiledQuery, RootOperationNode } from 'kysely';

/**
 * Compiled statements by the shape of their tree. Checking, scoping and compiling a tree cost
 * ~0.25 ms per query in a host's profile (a chat message runs four on its sender); an extension
 * runs the same few shapes again and again with other values. A shape is the whole tree written
 * out with every bound value (a `ValueNode` that is not immediate, each item of a
 * `PrimitiveValueListNode`) left as a slot: two trees of one shape compile to the same SQL, with
 * their values as its parameters. A plan is made from a tree that passed the checks, so the SQL a
 * hit runs is always text the host checked and scoped itself; only the values are new, and they
 * are checked to be values. Plans keep no values (a sentinel stands in each slot while the plan is
 * compiled), so the cache holds no message or file data.
 */

/** Past these a tree is checked and compiled every time (a large insert is not worth a key). */
const MAX_DEPTH = 80;
const MAX_PARTS = 20_000;
const MAX_KEY_CHARS = 32 * 1024;
/** Plans kept per channel; the least recently used goes first. */
const MAX_PLANS = 200;

/** A tree's shape: its key, and its bound values in slot order. */
export interface TreeShape {
  readonly key: string;
  readonly values: unknown[];
}

/** Stands in a slot while a plan is compiled, so the compiler's parameters say which slot each is. */
class Slot {
  constructor(readonly index: number) {}
}

/** One shape compiled: the SQL and where each parameter comes from (a slot, or a value the host added, such as the persona). */
export interface QueryPlan {
  readonly sql: string;
  readonly node: RootOperationNode;
  readonly parameters: ReadonlyArray<{ readonly slot: number } | { readonly value: unknown }>;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * The shape of a structured-cloned tree, or undefined when it is not one this cache takes (too
 * large, or holding something other than plain records, arrays and primitives outside its slots;
 * the checks then refuse it or compile it uncached). With `fill`, each slot's value is replaced in
 * place by what `fill` returns (the same walk, so slot numbers match the key's).
 */
export function treeShape(tree: unknown, fill?: (slot: number) => unknown): TreeShape | undefined {
  const parts: string[] = [];
  const values: unknown[] = [];
  /** Record a slot's value; with `fill`, answer what replaces it. */
  const slot = (value: unknown): unknown => {
    values.push(value);
    return fill!(values.length - 1);
  };
  const walk = (node: unknown, depth: number): boolean => {
    if (depth > MAX_DEPTH || parts.length > MAX_PARTS) return false;
    switch (typeof node) {
      case 'string':
        parts.push(JSON.stringify(node));
        return true;
      case 'number':
        parts.push(`d${node}`);
        return true;
      case 'boolean':
        parts.push(node ? 't' : 'f');
        return true;
      case 'bigint':
        parts.push(`b${node}`);
        return true;
      case 'undefined':
        parts.push('u');
        return true;
    }
    if (node === null) {
      parts.push('n');
      return true;
    }
    if (Array.isArray(node)) {
      parts.push('[');
      for (const item of node) {
        if (!walk(item, depth + 1)) return false;
        parts.push(',');
      }
      parts.push(']');
      return true;
    }
    if (!isPlainRecord(node)) return false;
    if (node.kind === 'ValueNode' && node.immediate !== true) {
      // Written into the SQL as `?`: a slot. An immediate value is part of the text, so of the key.
      if (node.immediate !== undefined && node.immediate !== false) return false;
      if (Object.keys(node).some((k) => k !== 'kind' && k !== 'value' && k !== 'immediate')) return false;
      parts.push(node.immediate === undefined ? '{V}' : '{V,f}');
      if (fill) node.value = slot(node.value);
      else values.push(node.value);
      return true;
    }
    if (node.kind === 'PrimitiveValueListNode') {
      if (!Array.isArray(node.values) || Object.keys(node).some((k) => k !== 'kind' && k !== 'values')) return false;
      // Each value counts: a list longer than the whole budget is left to the checks, which refuse it.
      if (values.length + node.values.length > MAX_PARTS) return false;
      parts.push(`{P${node.values.length}}`);
      for (let i = 0; i < node.values.length; i++) {
        if (fill) node.values[i] = slot(node.values[i]);
        else values.push(node.values[i]);
      }
      return true;
    }
    parts.push('{');
    for (const key of Object.keys(node)) {
      parts.push(JSON.stringify(key), ':');
      if (!walk(node[key], depth + 1)) return false;
    }
    parts.push('}');
    return true;
  };
  if (!walk(tree, 0)) return undefined;
  const key = parts.join('');
  return key.length > MAX_KEY_CHARS ? undefined : { key, values };
}

/** The compiled statements of one storage channel (one extension, one persona), by shape. */
export class QueryPlans {
  readonly #plans = new Map<string, QueryPlan>();

  /** The plan for `key`, if one was made. */
  get(key: string): QueryPlan | undefined {
    const plan = this.#plans.get(key);
    if (plan) {
      // Most recently used last: Map keeps insertion order.
      this.#plans.delete(key);
      this.#plans.set(key, plan);
    }
    return plan;
  }

  /**
   * Make the plan for `tree` (a clone that passed the checks, not yet compiled, which freezes
   * its leaves; its slots are overwritten) by compiling it with a sentinel in every slot.
   * `compile` scopes and compiles as for a query.
   */
  learn(tree: RootOperationNode, compile: (tree: RootOperationNode) => CompiledQuery): void {
    const shape = treeShape(tree, (index) => new Slot(index));
    if (!shape || this.#plans.has(shape.key)) return;
    const compiled = compile(tree);
    const parameters = compiled.parameters.map((p) => (p instanceof Slot ? { slot: p.index } : { value: p }));
    // Every slot must reach the SQL once as a parameter; a compiler that wrote one into the text,
    // or dropped one, would make a plan that binds the wrong values.
    const slots = parameters.flatMap((p) => ('slot' in p ? [p.slot] : []));
    if (slots.length !== shape.values.length || new Set(slots).size !== slots.length) return;
    if (this.#plans.size >= MAX_PLANS) this.#plans.delete(this.#plans.keys().next().value!);
    this.#plans.set(shape.key, { sql: compiled.sql, node: compiled.query, parameters });
  }

  get size(): number {
    return this.#plans.size;
  }
}

/** `plan`'s parameters for a tree of its shape with `values` in its slots. */
export function bindPlan(plan: QueryPlan, values: readonly unknown[]): unknown[] {
  return plan.parameters.map((p) => ('slot' in p ? values[p.slot] : p.value));
}
