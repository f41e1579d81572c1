interface Box<T> {
  value: T;
  map<U>(f: (value: T) => U): Box<U>;
}

type Pair<A, B> = [A, B];
type Id = string | number;

enum Color {
  Red,
  Green = "green",
}

function wrap<T>(value: T): Box<T> {
  const pair: Pair<T, Id> = [value, 1];
  return { value: pair[0], map: (f) => wrap(f(value)) };
}

const Box = 1;
let shade: Color = Color.Red;
// symbol: T scope=wrap kind=type defs=1 uses=3
// symbol: Box scope= kind=type defs=1 uses=2
// symbol: Box scope= kind=variable defs=1 uses=0
// symbol: Color scope= kind=class defs=1 uses=2
// symbol: Pair scope= kind=type defs=1 uses=1
// symbol: value scope=wrap kind=parameter defs=1 uses=2
// expect: dfg parameter:value@14 -> name_load:value@16
// expect: call call:wrap@16 -> function_declaration@14
