/**
 * What an extension's storage tree may contain: the node kinds chat, pairing and ordinary
 * extensions need, and, for each, the fields it may carry. Every string the SQLite compiler
 * emits verbatim (identifiers, function names, operators, types, join kinds) has its own rule,
 * so no field can smuggle SQL text; kysely's `raw` node appears only as an order direction.
 */

/** How one field of a node is checked. */
export type FieldRule =
  | 'node' | 'nodes' | 'flag'
  | 'identifier' | 'function' | 'operator' | 'value' | 'values' | 'dataType' | 'joinType' | 'fkAction' | 'modifier'
  | 'direction';

const QUERY = { with: 'node', where: 'node', returning: 'node' } as const;

export const NODE_FIELDS: Readonly<Record<string, Readonly<Record<string, FieldRule>>>> = {
  // statements
  SelectQueryNode: { ...QUERY, from: 'node', selections: 'nodes', joins: 'nodes', groupBy: 'node', having: 'node', orderBy: 'node', limit: 'node', offset: 'node', selectModifiers: 'nodes' },
  InsertQueryNode: { ...QUERY, into: 'node', columns: 'nodes', values: 'node', onConflict: 'node', defaultValues: 'flag' },
  UpdateQueryNode: { ...QUERY, table: 'node', updates: 'nodes', from: 'node', joins: 'nodes' },
  DeleteQueryNode: { ...QUERY, from: 'node' },
  CreateTableNode: { table: 'node', columns: 'nodes', constraints: 'nodes', ifNotExists: 'flag' },
  CreateIndexNode: { name: 'node', table: 'node', columns: 'nodes', unique: 'flag', ifNotExists: 'flag' },
  DropTableNode: { table: 'node', ifExists: 'flag' },
  DropIndexNode: { name: 'node', ifExists: 'flag' },
  AlterTableNode: { table: 'node', columnAlterations: 'nodes', renameTo: 'node' },
  // clauses
  WithNode: { expressions: 'nodes' },
  CommonTableExpressionNode: { name: 'node', expression: 'node' },
  CommonTableExpressionNameNode: { table: 'node', columns: 'nodes' },
  FromNode: { froms: 'nodes' },
  JoinNode: { joinType: 'joinType', table: 'node', on: 'node' },
  OnNode: { on: 'node' },
  WhereNode: { where: 'node' },
  HavingNode: { having: 'node' },
  GroupByNode: { items: 'nodes' },
  GroupByItemNode: { groupBy: 'node' },
  OrderByNode: { items: 'nodes' },
  OrderByItemNode: { orderBy: 'node', direction: 'direction' },
  LimitNode: { limit: 'node' },
  OffsetNode: { offset: 'node' },
  SelectModifierNode: { modifier: 'modifier' },
  SelectionNode: { selection: 'node' },
  SelectAllNode: {},
  ReturningNode: { selections: 'nodes' },
  ValuesNode: { values: 'nodes' },
  ValueListNode: { values: 'nodes' },
  PrimitiveValueListNode: { values: 'values' },
  ColumnUpdateNode: { column: 'node', value: 'node' },
  OnConflictNode: { columns: 'nodes', updates: 'nodes', doNothing: 'flag', updateWhere: 'node' },
  // names
  TableNode: { table: 'node' },
  SchemableIdentifierNode: { identifier: 'node' },
  IdentifierNode: { name: 'identifier' },
  ColumnNode: { column: 'node' },
  ReferenceNode: { table: 'node', column: 'node' },
  AliasNode: { node: 'node', alias: 'node' },
  // expressions
  ValueNode: { value: 'value', immediate: 'flag' },
  AndNode: { left: 'node', right: 'node' },
  OrNode: { left: 'node', right: 'node' },
  ParensNode: { node: 'node' },
  BinaryOperationNode: { leftOperand: 'node', operator: 'node', rightOperand: 'node' },
  UnaryOperationNode: { operator: 'node', operand: 'node' },
  OperatorNode: { operator: 'operator' },
  FunctionNode: { func: 'function', arguments: 'nodes' },
  AggregateFunctionNode: { func: 'function', aggregated: 'nodes', distinct: 'flag' },
  CaseNode: { value: 'node', when: 'nodes', else: 'node', isStatement: 'flag' },
  WhenNode: { condition: 'node', result: 'node' },
  // schema
  ColumnDefinitionNode: { column: 'node', dataType: 'node', references: 'node', primaryKey: 'flag', autoIncrement: 'flag', unique: 'flag', notNull: 'flag', defaultTo: 'node' },
  DataTypeNode: { dataType: 'dataType' },
  DefaultValueNode: { defaultValue: 'node' },
  ReferencesNode: { table: 'node', columns: 'nodes', onDelete: 'fkAction', onUpdate: 'fkAction' },
  PrimaryKeyConstraintNode: { columns: 'nodes', name: 'node' },
  UniqueConstraintNode: { columns: 'nodes', name: 'node' },
  ForeignKeyConstraintNode: { columns: 'nodes', references: 'node', onDelete: 'fkAction', onUpdate: 'fkAction', name: 'node' },
  AddColumnNode: { column: 'node' },
  DropColumnNode: { column: 'node' },
  RenameColumnNode: { column: 'node', renameTo: 'node' },
};

/** Statement kinds a tree may start with; the schema ones only inside a migration. */
export const DML_ROOTS: ReadonlySet<string> = new Set(['SelectQueryNode', 'InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode']);
export const DDL_ROOTS: ReadonlySet<string> = new Set(['CreateTableNode', 'CreateIndexNode', 'DropTableNode', 'DropIndexNode', 'AlterTableNode']);

/** Names for tables, columns, aliases, indexes: nothing to quote, nothing to escape. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Table names that always belong to someone else (SQLite's catalogue, the host, other extensions). */
export const RESERVED_TABLE = /^(sqlite_|kith_|ext_)/i;

/** SQLite functions that compute on their arguments only (exact, lower-case names). */
export const FUNCTIONS: ReadonlySet<string> = new Set([
  'count', 'sum', 'total', 'min', 'max', 'avg', 'group_concat',
  'lower', 'upper', 'length', 'trim', 'ltrim', 'rtrim', 'substr', 'replace', 'instr',
  'coalesce', 'ifnull', 'nullif', 'abs', 'round',
]);

export const OPERATORS: ReadonlySet<string> = new Set([
  '=', '==', '!=', '<>', '<', '<=', '>', '>=', 'in', 'not in', 'is', 'is not', 'like', 'not like',
  'between', 'not between', 'and', 'or', 'not', 'exists', 'not exists', '+', '-', '*', '/', '%', '||',
]);

export const DATA_TYPES: ReadonlySet<string> = new Set(['text', 'integer', 'int', 'bigint', 'real', 'double precision', 'numeric', 'boolean', 'blob']);
export const JOIN_TYPES: ReadonlySet<string> = new Set(['InnerJoin', 'LeftJoin', 'CrossJoin']);
export const FK_ACTIONS: ReadonlySet<string> = new Set(['cascade', 'set null', 'set default', 'restrict', 'no action']);
export const SELECT_MODIFIERS: ReadonlySet<string> = new Set(['Distinct']);
export const DIRECTIONS: ReadonlySet<string> = new Set(['asc', 'desc']);
