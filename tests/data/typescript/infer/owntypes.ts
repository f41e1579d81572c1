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
