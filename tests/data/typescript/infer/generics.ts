// ? return: T[]
function wrap<T>(value: T): T[] {
  return [value];
}

// ? return: [A, B]
function pair<A, B>(a: A, b: B) {
  return [a, b] as [A, B];
}

// ? wrapped: string[]
const wrapped = wrap("a");
// ? both: [number, boolean[]]
const both = pair(1, [true]);
// ? lengths: number[]
const lengths = ["a", "bb"].map((s) => s.length);
// ? first: string
const first = ["x"].map((s) => s)[0];
// ? sum: number
const sum = [1, 2].reduce((acc, n) => acc + n, 0);
// ? found: number | undefined
const found = [1, 2, 3].find((n) => n > 1);

class Stack<T> {
  // ? items: T[]
  private items: T[] = [];

  // ? return: void
  push(item: T) {
    this.items.push(item);
  }

  // ? return: T | undefined
  pop() {
    return this.items.pop();
  }
}

// ? stack: Stack<number>
const stack = new Stack<number>();
// ? top: number | undefined
const top = stack.pop();
// ? scores: Map<string, number>
const scores = new Map<string, number>();
// ? score: number | undefined
const score = scores.get("a");
// ? resolved: Promise<number>
const resolved = Promise.resolve(1);
