// Parameters typed by what their functions do with them (typeinfer/typescript/usage.py).
interface Item {
  sku: string;
  price: number;
}

interface Store {
  items: Map<string, Item>;
  owner: string;
}

class Cart {
  total: number = 0;
  lines: Item[] = [];

  // ? amount: number
  add(amount) {
    this.total = amount;
  }
}

function label(item: Item, currency: string): string {
  return currency + item.sku;
}

// ? n: number
function double(n) {
  return n * 2;
}

// ? cost: number
function expensive(cost) {
  return cost > 100;
}

// ? store: Store
// ? sku: string
function lookup(store, sku) {
  return store.items.get(sku);
}

// ? item: Item
// ? code: string
function show(item, code) {
  return label(item, code);
}

// ? prices: Record<string, number>
// ? key: string
function priceOf(prices: Record<string, number>, key) {
  return prices[key];
}

// ? mode: string
function isStrict(mode) {
  return mode === "strict";
}

// ? item: Item
function describe(item) {
  const { sku, price } = item;
  return `${sku}: ${price}`;
}

// ? item: Item
function wrap(item) {
  return { lines: [item] } as Cart;
}

// ? xs: ?
function size(xs) {
  return xs.length;
}

// ? when: Date
function year(when) {
  return when.getFullYear();
}

// ? delta: number
// ? seed: number
function shift(delta, seed = 0) {
  return -delta + seed;
}

// ? width: number
function pad(width): string {
  return "x".repeat(width);
}

interface Base {
  id: number;
}
interface Leaf extends Base {
  value: string;
}
function visit(node: Base): number {
  return node.id;
}
function valueOf(leaf: Leaf): string {
  return leaf.value;
}

// ? x: Leaf
function both(x) {
  visit(x);
  return valueOf(x);
}

// ? obj: ?
function keysOf(obj) {
  return Object.keys(obj);
}

interface Admin {
  get_(key: PropertyKey): unknown;
}

// a declared `PropertyKey` is an answer; a string's member narrows it
// ? key: PropertyKey
function readKey(adm: Admin, key) {
  return adm.get_(key);
}

// ? name: string
function readName(adm: Admin, name) {
  if (name.startsWith("_")) return;
  return adm.get_(name);
}

// spread into an object expected to be a declared type: that type, or a Partial of it
// where a spread before it is a whole one already
interface LimiterOptions {
  wait: number;
  key?: string;
}
const limiterDefaults = { wait: 1 };
class Limiter {
  options: LimiterOptions;
  // ? initial: LimiterOptions
  constructor(initial) {
    this.options = { ...limiterDefaults, ...initial };
  }
  // ? changes: Partial<LimiterOptions>
  setOptions(changes) {
    this.options = { ...this.options, ...changes };
  }
}

// a sum that is itself an operand of an arithmetic or bitwise operator adds numbers
// ? hi: number
// ? lo: number
const addHigh = (hi, lo, carry: number) => (hi + lo + carry) | 0;
