interface Circle {
  kind: "circle";
  radius: number;
}
interface Square {
  kind: "square";
  side: number;
}
type Shape = Circle | Square;

class Missing extends Error {}

// ? return: number
function len(x: string | string[] | null) {
  if (x === null) return 0;
  if (typeof x === "string") {
    // ? upper: string
    const upper = x.toUpperCase();
    return upper.length;
  }
  // ? items: string[]
  const items = x;
  return items.length;
}

// ? return: number
function area(s: Shape) {
  if (s.kind === "circle") {
    // ? c: Circle
    const c = s;
    return c.radius * c.radius;
  }
  // ? q: Square
  const q = s;
  return q.side * q.side;
}

// ? return: string
function message(e: Missing | string) {
  if (e instanceof Missing) {
    // ? err: Missing
    const err = e;
    return err.message;
  }
  return e;
}

// ? return: number
function size(v: number[] | undefined) {
  // ? n: number
  const n = v ? v.length : 0;
  return n;
}

// ? return: string
function early(v: string | undefined) {
  if (!v) {
    throw new Error("empty");
  }
  // ? w: string
  const w = v;
  return w;
}
