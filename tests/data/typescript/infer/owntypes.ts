// Parameters declared with the type parameters of the class or function around them,
// and with the project's own types (typeinfer/typescript/usage_rules.py, settle.py).

// a generic class's methods pass their parameters where its own `K` and `V` are expected
class Registry<K, V> {
  private data: Map<K, V> = new Map();

  // ? key: K
  has(key) {
    return this.data.has(key);
  }

  // ? key: K
  // ? value: V
  put(key, value) {
    this.data.set(key, value);
  }
}
new Registry<string, number>().has("a");

// a generic function's own type parameter
// ? item: T
function keep<T>(items: T[], item) {
  items.push(item);
}

// a callee's type parameter, unbound, names nothing here
// ? item: ?
function append(items: unknown, item) {
  return [item].concat([]);
}

// a generic type the members name, inside a class whose type parameters share its
// parameters' names: written with them (a default left out where nothing names it)
interface Options<TData, TError = Error, TMeta = unknown> {
  initial?: TData;
  failure?: TError;
  retries: number;
  meta?: TMeta;
}

class Query<TData, TError> {
  retries = 0;

  // ? options: Options<TData, TError>
  setOptions(options) {
    this.retries = options.retries + (options.initial ? 1 : 0);
  }
}

// outside of one, as the members say
// ? options: Options
function retriesOf(options) {
  return options.retries + (options.initial ? 1 : 0);
}

// callers passing all of a union alias's members, or an alias and the rest: the alias
interface BaseState {
  scope: number;
}
interface ObjectState extends BaseState {
  kind: "object";
}
interface ArrayState extends BaseState {
  kind: "array";
}
interface MapState extends BaseState {
  kind: "map";
}
type ProxyState = ObjectState | ArrayState;
type AnyState = ObjectState | ArrayState | MapState;
declare const objectState: ObjectState;
declare const arrayState: ArrayState;
declare const proxyState: ProxyState;
declare const mapState: MapState;

// ? state: AnyState
function touch(state) {
  return state.kind;
}
touch(proxyState);
touch(mapState);

// ? state: ProxyState
function mark(state) {
  return state.kind;
}
mark(objectState);
mark(arrayState);

// two members of the three name no alias: their common base
// ? state: BaseState
function scopeOf(state) {
  return state.scope;
}
scopeOf(objectState);
scopeOf(mapState);

// callers passing object literals whose keys are all members of the project type the
// uses name: instances of it
interface Filters {
  exact?: boolean;
  key?: string;
  stale?: boolean;
}

// ? filters: Filters
function matches(filters, key: string) {
  const { exact, stale } = filters;
  return exact ? filters.key === key : !stale;
}

// ? filters: Filters
function findAll(filters = {}) {
  return matches(filters, "a");
}
findAll({ exact: true });
matches({ exact: false }, "b");

// a key the type does not have: the literal's own shape
// ? options: { exact: boolean; limit: number }
function limited(options) {
  const { exact, stale } = options;
  return exact || stale;
}
limited({ exact: true, limit: 1 });

// a generic function's one type parameter that nothing left in its signature uses:
// the parameter it returns, or whose call it returns, is declared with it
// ? fn: () => T
function batch<T>(fn) {
  return fn();
}
batch(() => {});

// ? action: () => T
function transaction<T>(action, self = undefined) {
  return action.apply(self);
}

// ? value: T
function castDraft<T>(value) {
  return value as any;
}

// returned inside something else: no answer
// ? value: ?
function boxed<T>(value) {
  return [value];
}

// an argument passed to an inferred optional parameter: what it holds, not its `undefined`
function spliceIn(index: number, count?: number, added?) {
  return added ? added.length + index : count;
}
spliceIn(1);
spliceIn(1, 2, [1]);

// ? items: number[]
function replaceAll(items) {
  return spliceIn(0, 0, items);
}

// callers passing `any[]` and other arrays: `any[]`
declare const loose: any[];
declare const unsure: unknown[];

// ? items: any[]
function pushAll(items) {
  return items;
}
pushAll(loose);
pushAll(unsure);

// a caller passing `any` says nothing; the members the body reads decide
interface Draft {
  copy_: object | null;
  base_: object;
}
declare const anything: any;

// ? state: Draft
function latest(state) {
  return state.copy_ || state.base_;
}
latest(anything);

// a generic caller passing values of its own type parameter: any type
// ? key: any
function stringifyKey(key) {
  return String(key);
}
function describeKey<K>(key: K) {
  return stringifyKey(key) + stringifyKey("a");
}

// classes implementing two common interfaces: the one with the members the body
// reads, its type arguments `any` where the classes give different ones
interface Interceptable<T> {
  interceptors: ((change: T) => T)[] | undefined;
}
interface Listenable {
  listeners: (() => void)[] | undefined;
}
class BoxValue implements Interceptable<string>, Listenable {
  interceptors: ((change: string) => string)[] | undefined = undefined;
  listeners: (() => void)[] | undefined = undefined;
}
class ListValue implements Interceptable<number[]>, Listenable {
  interceptors: ((change: number[]) => number[])[] | undefined = undefined;
  listeners: (() => void)[] | undefined = undefined;
}

// ? target: Interceptable<any>
function hasInterceptors(target) {
  return target.interceptors !== undefined;
}
hasInterceptors(new BoxValue());
hasInterceptors(new ListValue());

// ? target: Listenable
function hasListeners(target) {
  return target.listeners !== undefined;
}
hasListeners(new BoxValue());
hasListeners(new ListValue());

// a generic method's type parameter that nothing left in its signature uses, with the
// constraint of the generic type's parameter: the argument
type CacheKey = readonly unknown[];
interface KeyFilters<TKey extends CacheKey = CacheKey> {
  cacheKey?: TKey;
  matchAll?: boolean;
}
class Cache {
  // ? filters: KeyFilters<TTagged>
  remove<TTagged extends CacheKey = CacheKey>(filters) {
    return filters.matchAll && filters.cacheKey !== undefined;
  }
}

class KeyedCache {
  // a value of the constraint of a type parameter nothing else uses: that parameter
  // ? key: TTagged
  get<TData, TTagged extends CacheKey = CacheKey>(key) {
    return this.find(key);
  }

  find(key: CacheKey) {
    return key.length;
  }
}
