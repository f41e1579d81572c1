// ? count: number
let count = 0;
// ? label: string
const label = `n=${count}`;
// ? flags: boolean[]
const flags = [true, false];
// ? point: { x: number; y: number }
const point = { x: 1, y: 2 };
// ? mixed: (string | number)[]
const mixed = [1, "two"];
// ? maybe: string | null
let maybe: string | null = null;
// ? ratio: number
const ratio = point.x / 2;
// ? joined: string
const joined = label + count;
// ? same: boolean
const same = count === point.y;
// ? negated: boolean
const negated = !same;

// ? return: number
// ? a: number
// ? b: number
function add(a: number, b: number) {
  return a + b;
}

// ? return: string
// ? times: number
function repeat(text: string, times = 1) {
  return text.repeat(times);
}

// ? return: number | undefined
function firstPositive(xs: number[]) {
  for (const x of xs) {
    if (x > 0) return x;
  }
}

// ? return: void
function log(message: string) {
  console.log(message);
}

// ? return: Promise<string>
async function fetchName(id: number) {
  return "user" + id;
}

// ? name: string
const name = await fetchName(1);
// ? total: number
const total = add(1, 2);
// ? square: number
const square = ((n: number) => n * n)(3);
// ? pair: [number, string]
const pair: [number, string] = [1, "a"];
// ? second: string
const second = pair[1];
// ? fallback: string
const fallback = maybe ?? "none";
// ? evens: number[]
const evens = [1, 2, 3].filter((v) => v % 2 === 0);
// ? empty: string[]
const empty = [];
empty.push("s");
// ? parsed: number
const parsed = parseInt("12", 10);

// a `try` whose body returns: `finally` runs, then the return completes (no `undefined`)
let runs = 0;
// ? return: number
function counted(fn: () => number) {
  runs++;
  try {
    return fn();
  } finally {
    runs--;
  }
}
