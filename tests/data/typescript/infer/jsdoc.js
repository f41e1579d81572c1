// ? return: string[]
// ? name: string
// ? times: number
/**
 * @param {string} name
 * @param {number} [times]
 * @returns {string[]}
 */
function repeat(name, times) {
  return new Array(times).fill(name);
}

// ? return: string
// ? a: string
// ? b: string
function join(a = "", b = "") {
  return a + b;
}

// ? cache: Map<string, number>
/** @type {Map<string, number>} */
const cache = new Map();

// ? copies: string[]
const copies = repeat("x", 2);

class Counter {
  constructor() {
    // ? n: number
    this.n = 0;
  }

  // ? return: number
  next() {
    this.n += 1;
    return this.n;
  }
}

// ? c: Counter
const c = new Counter();
// ? value: number
const value = c.next();

// ? return: number
// ? x: number
function double(x) {
  return x * 2;
}
double(21);

module.exports = { repeat, join, double };
