// Parameters typed by their callers or uses, settled as an author declares them.

class Dir {
  name = "root";
}

// an optional parameter: the `?` says `undefined`, callers that omit it do not
// ? parent: Dir
function open(parent?) {
  return parent;
}
open();
open(new Dir());

// strings and symbols are keys
declare const TAG: symbol;
// ? key: PropertyKey
function lookup(key) {
  return key;
}
lookup("a");
lookup(TAG);

// a primitive and objects of several kinds: nothing but `any` accepts them all
// ? thing: any
function describe(thing) {
  return thing;
}
describe("a");
describe(1);
describe(new Map<string, number>());

// a test of the parameter's own type: it can be of several types
// ? target: any
function isMapLike(target) {
  return target instanceof Map;
}
isMapLike(new Map<string, number>());

// ? value: any
function kind(value) {
  return typeof value === "string" ? "text" : "other";
}
kind("a");

// ? items: any
function count(items) {
  return Array.isArray(items) ? items.length : 0;
}

// a type predicate on the parameter
// ? value: any
function isDir(value): value is Dir {
  return !!value && !!value.name;
}

// members only asked whether they exist say nothing of the type
// ? v: any
function looksLikeDate(v) {
  return typeof v.getDate === "function" && typeof v.toDateString === "function";
}

// checking an argument and throwing is not a test of a union: the callers decide
// ? name: string
function greet(name) {
  if (typeof name !== "string") {
    throw new Error("a name is a string");
  }
  return name.length;
}
greet("ada");

// callers passing `any` say nothing of the type
// ? raw: ?
function forward(raw) {
  return kind(raw);
}
forward(JSON.parse("1"));

// a subclass and its base class: the base
class Base {
  id = 1;
}
class Derived extends Base {
  extra = 2;
}
// ? node: Base
function visit(node) {
  return node;
}
visit(new Base());
visit(new Derived());

// a caller's own type parameter means nothing in the callee
class Box<T> {
  constructor(public item: T) {}
}
// ? box: Box<any>
function unbox(box) {
  return box;
}
function wrap<U>(item: U, other: Box<number>) {
  unbox(new Box<U>(item));
}

// a function expression whose context has several signatures that disagree: any
interface Produce {
  (base: string, recipe: number): string;
  (base: number): number;
}
class Maker {
  // ? base: any
  produce: Produce = (base, recipe?) => base;
}
// one call signature is the context
interface OnText {
  (value: string): void;
}
// ? value: string
const onText: OnText = (value) => {};

// classes that implement one interface: the interface
interface Derivation {
  run(): void;
}
class Computation implements Derivation {
  run() {}
}
class Effect implements Derivation {
  run() {}
  stop() {}
}
// ? derivation: Derivation
function schedule(derivation) {
  derivation.run();
}
schedule(new Computation());
schedule(new Effect());

// an argument check that calls a failing function is not a test of a union either
declare function die(message: string): never;
// ? label: string
function named(label) {
  if (typeof label !== "string" || !label) {
    die("a label is a non-empty string");
  }
  return label;
}
named("x");

// a value cast to `any` by its caller says nothing of the parameter
class Node2 {
  id = 1;
}
// ? node: Node2
function nodeId(node) {
  return node.id;
}
nodeId(new Node2());
nodeId({ id: 2 } as any);

// a generic function's unused type parameter is likelier than `any`: no answer
// ? value: ?
function castValue<T>(value) {
  return value instanceof Map ? value : value;
}

// one generic class with several arguments is not a class hierarchy
class Entry<T> {
  constructor(public value: T) {}
}
// ? entry: Entry<any>
function evict(entry) {
  return entry;
}
function track<V>(value: V) {
  evict(new Entry<V>(value));
  evict(new Entry<string>("a"));
}

// an overloads' implementation: `any` where the overloads disagree, else its own evidence
export function pick(key: string, count: number): string;
export function pick(key: number, count: number): number;
// ? key: any
// ? count: number
export function pick(key, count) {
  return count * 2 > 0 ? key : key;
}
pick("a", 1);
class Picker {
  take(at: string): void;
  take(at: string[]): void;
  // ? at: any
  take(at) {}
}
new Picker().take("a");

// callers that omit a parameter or pass `null` say nothing of what else it takes
// ? term: ?
function edgeTo(from: number, term?) {
  return { term, from };
}
edgeTo(1);
edgeTo(2, null);

// an empty `{}` default and nothing else: no author declares `{}` (an options type)
// ? opts: ?
export function digest(msg: string, opts = {}) {
  return [msg, opts];
}
