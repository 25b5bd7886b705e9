import {
  AliasNode, AndNode, BinaryOperationNode, ColumnDefinitionNode, ColumnNode, CreateIndexNode, CreateTableNode,
  DataTypeNode, DeleteQueryNode, ForeignKeyConstraintNode, FromNode, IdentifierNode, InsertQueryNode, JoinNode, ListNode,
  OnConflictNode, OnNode, OperationNodeTransformer, OperatorNode, ParensNode, PrimaryKeyConstraintNode, PrimitiveValueListNode,
  ReferenceNode, SchemableIdentifierNode, SelectQueryNode, TableNode, UniqueConstraintNode, UpdateQueryNode, UsingNode,
  ValueListNode, ValueNode, ValuesNode, WhereNode,
  type AlterTableNode, type ConstraintNode, type DropIndexNode, type FunctionNode, type OperationNode, type QueryId,
  type RawNode, type AggregateFunctionNode,
} from 'kysely';
import { KithError } from '@kith/sdk';
import { DDL_ROOTS, DIRECTIONS, DML_ROOTS, FUNCTIONS } from './tree-allow-list.js';

/** The column every extension table carries: the owning persona. */
export const PERSONA_COLUMN = 'persona';
/** Logical table and index names an extension may use. */
export const LOGICAL_NAME = /^[a-z][a-z0-9_]{0,47}$/;

/**
 * Rewrites an extension's queries into its namespace and its persona:
 * - every table name `t` becomes `ext_<id>__t` (CTE names and aliases are left alone);
 * - selects, updates and deletes get `<table>.persona = ?` for every table they read (joins get it
 *   in their ON clause, so outer joins stay outer), inserts get the persona value, upserts only
 *   update the persona's own rows;
 * - in migrations, `CREATE TABLE` gains a `persona` column and every key, unique constraint,
 *   index and foreign key is widened to include it, so two personas never collide on a key;
 * - raw SQL, other schemas, writes to `persona` and functions off the allow-list are refused
 *   (the tree validator checks the whole tree first; these checks stay as a second line).
 * Parenthesising the original WHERE keeps `a OR b` from swallowing the persona filter.
 */
export class ScopeTransformer extends OperationNodeTransformer {
  readonly #prefix: string;
  readonly #persona: string;
  readonly #allowDdl: boolean;
  readonly #tables = new Set<string>();
  readonly #ctes = new Set<string>();

  constructor(options: { prefix: string; persona: string; allowDdl: boolean }) {
    super();
    this.#prefix = options.prefix;
    this.#persona = options.persona;
    this.#allowDdl = options.allowDdl;
  }

  /** Check the statement kind, then rewrite it. */
  transformRoot<T extends OperationNode>(node: T, queryId?: QueryId): T {
    if (!DML_ROOTS.has(node.kind) && !(this.#allowDdl && DDL_ROOTS.has(node.kind))) {
      throw refuse(node.kind === 'RawNode' ? 'raw SQL is not allowed' : `${node.kind} is not allowed${DDL_ROOTS.has(node.kind) ? ' outside migrate()' : ''}`);
    }
    return this.transformNode(node, queryId);
  }

  protected override transformNodeImpl<T extends OperationNode>(node: T, queryId?: QueryId): T {
    if (!('kind' in node) || !(DML_ROOTS.has(node.kind) || DDL_ROOTS.has(node.kind))) return super.transformNodeImpl(node, queryId);
    const ctes = this.#collectCtes(node);
    const tables = this.#collectTables(node);
    const addedCtes = [...ctes].filter((c) => !this.#ctes.has(c));
    const addedTables = [...tables].filter((t) => !this.#tables.has(t) && !this.#ctes.has(t) && !ctes.has(t));
    for (const c of addedCtes) this.#ctes.add(c);
    for (const t of addedTables) this.#tables.add(t);
    try {
      return super.transformNodeImpl(node, queryId);
    } finally {
      for (const c of addedCtes) this.#ctes.delete(c);
      for (const t of addedTables) this.#tables.delete(t);
    }
  }

  protected override transformSchemableIdentifier(node: SchemableIdentifierNode, queryId?: QueryId): SchemableIdentifierNode {
    if (node.schema) throw refuse('schema-qualified names are not allowed');
    const name = node.identifier.name;
    if (!this.#tables.has(name)) return super.transformSchemableIdentifier(node, queryId);
    return SchemableIdentifierNode.create(this.#physical(name));
  }

  /**
   * The extension's own column references: none may name the persona column, in any case (SQLite
   * reads `PERSONA` and `"Persona"` as `persona`). Reading it would tell nothing new, but writing
   * it moved rows into another persona. The host's own persona references are added after this
   * pass and never come through here.
   */
  protected override transformColumn(node: ColumnNode, queryId?: QueryId): ColumnNode {
    if (isPersonaColumn(node.column.name)) throw refuse('the persona column is managed by the host');
    return super.transformColumn(node, queryId);
  }

  /** Kysely writes an order direction as a raw `asc`/`desc`; nothing else passes. */
  protected override transformRaw(node: RawNode, queryId?: QueryId): RawNode {
    if (node.parameters.length === 0 && node.sqlFragments.length === 1 && DIRECTIONS.has(node.sqlFragments[0]!)) return super.transformRaw(node, queryId);
    throw refuse('raw SQL is not allowed');
  }

  protected override transformFunction(node: FunctionNode, queryId?: QueryId): FunctionNode {
    if (!FUNCTIONS.has(node.func)) throw refuse(`function ${JSON.stringify(node.func.slice(0, 60))} is not allowed`);
    return super.transformFunction(node, queryId);
  }

  protected override transformAggregateFunction(node: AggregateFunctionNode, queryId?: QueryId): AggregateFunctionNode {
    if (!FUNCTIONS.has(node.func)) throw refuse(`function ${JSON.stringify(node.func.slice(0, 60))} is not allowed`);
    return super.transformAggregateFunction(node, queryId);
  }

  protected override transformSelectQuery(node: SelectQueryNode, queryId?: QueryId): SelectQueryNode {
    const out = super.transformSelectQuery(node, queryId);
    const filters = (out.from?.froms ?? []).flatMap((f) => this.#filterFor(f));
    const joins = out.joins?.map((j) => this.#scopeJoin(j, filters));
    return { ...out, ...(joins ? { joins } : {}), ...this.#where(out.where, filters) };
  }

  protected override transformUpdateQuery(node: UpdateQueryNode, queryId?: QueryId): UpdateQueryNode {
    for (const update of node.updates ?? []) this.#refusePersonaColumn(update.column);
    const out = super.transformUpdateQuery(node, queryId);
    const targets = [out.table, ...(out.from?.froms ?? [])].filter((t): t is OperationNode => t !== undefined);
    const filters = targets.flatMap((t) => this.#filterFor(t));
    const joins = out.joins?.map((j) => this.#scopeJoin(j, filters));
    return { ...out, ...(joins ? { joins } : {}), ...this.#where(out.where, filters) };
  }

  protected override transformDeleteQuery(node: DeleteQueryNode, queryId?: QueryId): DeleteQueryNode {
    if (node.using || node.joins?.length) throw refuse('DELETE with USING or JOIN is not allowed');
    const out = super.transformDeleteQuery(node, queryId);
    const filters = out.from.froms.flatMap((f) => this.#filterFor(f));
    if (filters.length === 0) throw refuse('DELETE needs a table');
    return { ...out, ...this.#where(out.where, filters) };
  }

  protected override transformInsertQuery(node: InsertQueryNode, queryId?: QueryId): InsertQueryNode {
    if (node.replace || (node.orAction && node.orAction.action.toLowerCase() === 'replace')) {
      throw refuse('INSERT OR REPLACE is not allowed (use onConflict)');
    }
    for (const column of node.columns ?? []) this.#refusePersonaColumn(column);
    const out = super.transformInsertQuery(node, queryId);
    if (!out.into) throw refuse('INSERT needs a table');
    const persona = ColumnNode.create(PERSONA_COLUMN);
    let values: OperationNode;
    if (out.defaultValues || !out.values) {
      values = ValuesNode.create([PrimitiveValueListNode.create([this.#persona])]);
    } else if (ValuesNode.is(out.values)) {
      values = ValuesNode.create(
        out.values.values.map((row) =>
          PrimitiveValueListNode.is(row)
            ? PrimitiveValueListNode.create([...row.values, this.#persona])
            : ValueListNode.create([...row.values, ValueNode.create(this.#persona)]),
        ),
      );
    } else {
      throw refuse('INSERT ... SELECT is not allowed');
    }
    const columns = out.defaultValues || !out.values ? [persona] : [...(out.columns ?? []), persona];
    let onConflict = out.onConflict;
    if (onConflict) {
      if (onConflict.constraint || onConflict.indexExpression) throw refuse('ON CONFLICT by constraint or expression is not allowed');
      for (const update of onConflict.updates ?? []) this.#refusePersonaColumn(update.column);
      onConflict = OnConflictNode.cloneWith(onConflict, {
        ...(onConflict.columns ? { columns: [persona, ...onConflict.columns] } : {}),
      });
      if (onConflict.updates?.length) {
        onConflict = OnConflictNode.cloneWithUpdateWhere(onConflict, this.#personaEquals(out.into.table.identifier.name));
      }
    }
    return {
      ...out,
      columns,
      values,
      defaultValues: false,
      ...(onConflict ? { onConflict } : {}),
    };
  }

  protected override transformCreateTable(node: CreateTableNode, queryId?: QueryId): CreateTableNode {
    if (node.selectQuery) throw refuse('CREATE TABLE ... AS SELECT is not allowed');
    const out = super.transformCreateTable(node, queryId);
    const persona = ColumnNode.create(PERSONA_COLUMN);
    const constraints: ConstraintNode[] = [];
    const columns: ColumnDefinitionNode[] = [];
    for (const column of out.columns) {
      this.#refusePersonaColumn(column.column);
      const name = column.column.column.name;
      let next = column;
      const isRowId = column.primaryKey && DataTypeNode.is(column.dataType) && column.dataType.dataType === 'integer';
      if (column.primaryKey && !isRowId) {
        next = ColumnDefinitionNode.cloneWith(next, { primaryKey: false, notNull: true });
        constraints.push(PrimaryKeyConstraintNode.create([PERSONA_COLUMN, name]));
      } else if (isRowId) {
        // Keep the rowid key (ids stay unique across personas); add (persona, id) for foreign keys.
        constraints.push(UniqueConstraintNode.create([PERSONA_COLUMN, name]));
      }
      if (column.unique) {
        next = ColumnDefinitionNode.cloneWith(next, { unique: false });
        constraints.push(UniqueConstraintNode.create([PERSONA_COLUMN, name]));
      }
      if (column.references) {
        const ref = column.references;
        next = ColumnDefinitionNode.cloneWith(next, { references: undefined });
        constraints.push(
          ForeignKeyConstraintNode.cloneWith(
            ForeignKeyConstraintNode.create([persona, column.column], ref.table, [persona, ...ref.columns]),
            { ...(ref.onDelete ? { onDelete: ref.onDelete } : {}), ...(ref.onUpdate ? { onUpdate: ref.onUpdate } : {}) },
          ),
        );
      }
      columns.push(next);
    }
    for (const constraint of out.constraints ?? []) constraints.push(this.#widenConstraint(constraint));
    return CreateTableNode.cloneWith(
      { ...out, columns: [ColumnDefinitionNode.cloneWith(ColumnDefinitionNode.create(PERSONA_COLUMN, DataTypeNode.create('text')), { notNull: true }), ...columns], constraints },
      {},
    );
  }

  protected override transformCreateIndex(node: CreateIndexNode, queryId?: QueryId): CreateIndexNode {
    const out = super.transformCreateIndex(node, queryId);
    return CreateIndexNode.cloneWith(
      { ...out, name: IdentifierNode.create(this.#physical(node.name.name)) },
      { columns: [ColumnNode.create(PERSONA_COLUMN), ...(out.columns ?? [])] },
    );
  }

  protected override transformDropIndex(node: DropIndexNode, queryId?: QueryId): DropIndexNode {
    if (node.name.schema) throw refuse('schema-qualified names are not allowed');
    const out = super.transformDropIndex(node, queryId);
    return { ...out, name: SchemableIdentifierNode.create(this.#physical(node.name.identifier.name)) };
  }

  protected override transformAlterTable(node: AlterTableNode, queryId?: QueryId): AlterTableNode {
    for (const alteration of node.columnAlterations ?? []) {
      const touched = [
        'column' in alteration ? alteration.column : undefined,
        'renameTo' in alteration ? alteration.renameTo : undefined,
      ];
      for (const column of touched) {
        if (column) this.#refusePersonaColumn(ColumnDefinitionNode.is(column) ? column.column : column);
      }
    }
    if (node.addConstraint || node.dropConstraint || node.renameConstraint || node.addIndex || node.dropIndex || node.setSchema) {
      throw refuse('this ALTER TABLE form is not allowed');
    }
    const out = super.transformAlterTable(node, queryId);
    if (out.renameTo) {
      if (out.renameTo.table.schema) throw refuse('schema-qualified names are not allowed');
      return { ...out, renameTo: TableNode.create(this.#physical(out.renameTo.table.identifier.name)) };
    }
    return out;
  }

  #physical(logical: string): string {
    if (!LOGICAL_NAME.test(logical)) throw refuse(`"${logical}" is not a valid table or index name (a-z, 0-9, _; at most 48)`);
    return this.#prefix + logical;
  }

  #widenConstraint(constraint: ConstraintNode): ConstraintNode {
    const persona = ColumnNode.create(PERSONA_COLUMN);
    if (PrimaryKeyConstraintNode.is(constraint)) return PrimaryKeyConstraintNode.cloneWith(constraint, { columns: [persona, ...constraint.columns] });
    if (UniqueConstraintNode.is(constraint)) return UniqueConstraintNode.cloneWith(constraint, { columns: [persona, ...constraint.columns] });
    if (ForeignKeyConstraintNode.is(constraint)) {
      return {
        ...constraint,
        columns: [persona, ...constraint.columns],
        references: { ...constraint.references, columns: [persona, ...constraint.references.columns] },
      };
    }
    return constraint;
  }

  /** `persona = ?` for a FROM/JOIN item that is one of the extension's tables. */
  #filterFor(item: OperationNode): OperationNode[] {
    const name = this.#scopedName(item);
    return name === undefined ? [] : [this.#personaEquals(name)];
  }

  #scopedName(item: OperationNode): string | undefined {
    if (TableNode.is(item)) {
      const name = item.table.identifier.name;
      return name.startsWith(this.#prefix) ? name : undefined;
    }
    if (AliasNode.is(item) && TableNode.is(item.node) && IdentifierNode.is(item.alias)) {
      return item.node.table.identifier.name.startsWith(this.#prefix) ? item.alias.name : undefined;
    }
    if (ListNode.is(item) || UsingNode.is(item)) throw refuse('this table list form is not allowed');
    return undefined;
  }

  #personaEquals(table: string): OperationNode {
    return BinaryOperationNode.create(
      ReferenceNode.create(ColumnNode.create(PERSONA_COLUMN), TableNode.create(table)),
      OperatorNode.create('='),
      ValueNode.create(this.#persona),
    );
  }

  #scopeJoin(join: JoinNode, whereFilters: OperationNode[]): JoinNode {
    const filter = this.#filterFor(join.table);
    if (filter.length === 0) return join;
    if (!join.on) {
      whereFilters.push(...filter);
      return join;
    }
    return { ...join, on: OnNode.create(AndNode.create(ParensNode.create(join.on.on), filter[0]!)) };
  }

  #where(where: WhereNode | undefined, filters: OperationNode[]): { where?: WhereNode } {
    if (filters.length === 0) return where ? { where } : {};
    let condition = filters.reduce((acc, f) => AndNode.create(acc, f));
    if (where) condition = AndNode.create(ParensNode.create(where.where), condition);
    return { where: WhereNode.create(condition) };
  }

  #refusePersonaColumn(column: OperationNode): void {
    const name = ColumnNode.is(column) ? column.column.name : ReferenceNode.is(column) && ColumnNode.is(column.column) ? column.column.column.name : undefined;
    if (name !== undefined && isPersonaColumn(name)) throw refuse('the persona column is managed by the host');
  }

  #collectCtes(node: OperationNode): Set<string> {
    const names = new Set<string>();
    const withNode = (node as { with?: { expressions: ReadonlyArray<{ name: { table: TableNode } }> } }).with;
    for (const expression of withNode?.expressions ?? []) names.add(expression.name.table.table.identifier.name);
    return names;
  }

  #collectTables(node: OperationNode): Set<string> {
    const names = new Set<string>();
    const add = (item: OperationNode | undefined): void => {
      if (!item) return;
      if (TableNode.is(item)) names.add(item.table.identifier.name);
      else if (AliasNode.is(item)) add(item.node);
      else if (ListNode.is(item)) item.items.forEach(add);
      else if (UsingNode.is(item)) item.tables.forEach(add);
      else if (JoinNode.is(item)) add(item.table);
    };
    const n = node as {
      from?: FromNode; into?: TableNode; table?: OperationNode; joins?: readonly JoinNode[]; using?: OperationNode;
      references?: { table: TableNode }; columns?: readonly OperationNode[]; constraints?: readonly OperationNode[];
    };
    n.from?.froms.forEach(add);
    add(n.into);
    add(n.table);
    n.joins?.forEach(add);
    add(n.using);
    // Foreign keys of a new table name other tables of the same extension.
    if (CreateTableNode.is(node)) {
      for (const column of node.columns) if (column.references) add(column.references.table);
      for (const c of node.constraints ?? []) if (ForeignKeyConstraintNode.is(c)) add(c.references.table);
    }
    return names;
  }
}

/** SQLite compares names without case. */
function isPersonaColumn(name: string): boolean {
  return name.toLowerCase() === PERSONA_COLUMN;
}

function refuse(reason: string): KithError {
  return new KithError('KITH_ERR_QUERY_REFUSED', `Scoped storage: ${reason}`);
}
