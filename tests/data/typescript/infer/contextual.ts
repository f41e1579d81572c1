// Parameters without annotations, typed by where their function sits (contextual
// typing), by the `this` they declare, and by the calls through typed receivers.
interface Point {
  x: number;
  y: number;
}

interface Handler {
  onMove(at: Point, step: number): void;
  label: string;
}

interface Options {
  map: (raw: string) => number;
  handler: Handler;
}

declare function configure(options: Options): void;

// an object literal's method, the literal assigned to a typed variable
const direct: Handler = {
  // ? at: Point
  // ? step: number
  onMove(at, step) {},
  label: "direct",
};

// a function as a member of a literal passed to an annotated callee, one level down too
configure({
  // ? raw: string
  map: (raw) => raw.length,
  handler: {
    // ? where: Point
    onMove(where, n) {},
    label: "nested",
  },
});

// ? return: Handler
function makeHandler(): Handler {
  return {
    // ? p: Point
    // ? k: number
    onMove: (p, k) => {},
    label: "returned",
  };
}

class Widget {
  // a typed field's literal
  handler: Handler = {
    // ? from: Point
    onMove(from, by) {},
    label: "field",
  };
}

interface Annotation {
  make_(target: Point, key: PropertyKey, strict: boolean): number;
}

// a function declaring `this: Annotation`: the member of its name, and `this.x` inside
// ? target: Point
// ? key: PropertyKey
// ? strict: boolean
function make_(this: Annotation, target, key, strict) {
  return this.make_(target, key, strict);
}

class Box {
  // called only as `box.put(...)` on a typed receiver, here and in another class
  // ? item: string
  put(item) {
    return [item];
  }
}

class Shelf {
  box: Box = new Box();
  fill() {
    this.box.put("first");
  }
}

function stock(b: Box) {
  b.put("second");
}

// an empty `{}` / `[]` default says little: the uses and the callers decide
class Cache {
  handler: Handler;
  // ? handler: Handler
  constructor(handler = {}) {
    this.handler = handler;
  }
}

// ? names: string[]
// ? limit: number
function firstNames(names = [], limit = 3) {
  return names.slice(0, limit);
}
firstNames(["ada"]);
firstNames();

// a rest parameter: the arrays of what its callers pass from its position on
// ? parts: number[]
function total(label, ...parts) {
  return label + parts.length;
}
total("a", 1, 2);
total("b", 3);

// callers pass an object literal with a member of unknown type: the uses decide
interface Session {
  id: string;
  open: boolean;
  owner: Point;
}
declare const mystery: any;
function openSession(id) {
  return { id, open: true, owner: mystery.owner() };
}
// ? s: Session
function closeSession(s) {
  s.open = false;
  return s.owner;
}
closeSession(openSession("a"));

// a generic function expression whose context's type arguments are its defaults (`any`):
// its own type parameters of those names stand there, as its author declares them
interface Table<TData> {
  rows: TData[];
  name: string;
}
interface TableFeature<TData = any> {
  createTable?: (table: Table<TData>) => void;
  count?: (n: number, table: Table<TData>) => number;
}
export const Sorting: TableFeature = {
  // ? table: Table<TData>
  createTable: <TData extends object>(table) => {
    table.name;
  },
  // ? table: Table<any>
  count: (n, table) => n + table.rows.length,
};
// one argument `any` or `unknown` takes the own type parameter of that parameter's name
interface Column<TData, TValue = unknown> {
  id: string;
  data?: TData;
  value?: TValue;
}
interface ColumnFeature<TData = any> {
  createColumn?: (column: Column<TData, unknown>) => void;
}
export const Sizing: ColumnFeature = {
  // ? column: Column<TData, TValue>
  createColumn: <TData extends object, TValue>(column) => {
    column.id;
  },
};
export const Pinning: ColumnFeature = {
  // ? column: Column<TData, unknown>
  createColumn: <TData extends object>(column) => {
    column.id;
  },
};
