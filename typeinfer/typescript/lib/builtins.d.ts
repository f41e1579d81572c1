// The fallback library of typelens: a small subset of TypeScript's lib.es5.d.ts
// and lib.es2015.*.d.ts, used only when no TypeScript package is installed (the
// project's node_modules/typescript, or the one `make` installs into .venv).
interface Object { constructor: Function; toString(): string; hasOwnProperty(v: PropertyKey): boolean; }
interface ObjectConstructor { keys(o: object): string[]; values<T>(o: { [s: string]: T }): T[]; entries<T>(o: { [s: string]: T }): [string, T][]; assign<T, U>(target: T, source: U): T & U; freeze<T>(o: T): Readonly<T>; }
declare var Object: ObjectConstructor;
interface Function { apply(this: Function, thisArg: any, argArray?: any): any; call(this: Function, thisArg: any, ...argArray: any[]): any; bind(this: Function, thisArg: any, ...argArray: any[]): any; readonly length: number; readonly name: string; }
interface String { readonly length: number; charAt(pos: number): string; charCodeAt(index: number): number; concat(...strings: string[]): string; indexOf(searchString: string, position?: number): number; includes(searchString: string, position?: number): boolean; startsWith(searchString: string, position?: number): boolean; endsWith(searchString: string, endPosition?: number): boolean; slice(start?: number, end?: number): string; substring(start: number, end?: number): string; split(separator: string | RegExp, limit?: number): string[]; toLowerCase(): string; toUpperCase(): string; trim(): string; padStart(maxLength: number, fillString?: string): string; repeat(count: number): string; replace(searchValue: string | RegExp, replaceValue: string): string; match(regexp: string | RegExp): RegExpMatchArray | null; }
interface StringConstructor { (value?: any): string; fromCharCode(...codes: number[]): string; }
declare var String: StringConstructor;
interface Number { toFixed(fractionDigits?: number): string; toString(radix?: number): string; }
interface NumberConstructor { (value?: any): number; isInteger(number: unknown): boolean; isNaN(number: unknown): boolean; parseFloat(string: string): number; parseInt(string: string, radix?: number): number; readonly MAX_SAFE_INTEGER: number; }
declare var Number: NumberConstructor;
interface Boolean { valueOf(): boolean; }
interface BooleanConstructor { <T>(value?: T): boolean; }
declare var Boolean: BooleanConstructor;
interface RegExp { test(string: string): boolean; exec(string: string): RegExpExecArray | null; readonly source: string; }
interface RegExpMatchArray extends Array<string> { index?: number; input?: string; }
interface RegExpExecArray extends Array<string> { index: number; input: string; }
interface Date { getTime(): number; toISOString(): string; getFullYear(): number; }
interface DateConstructor { new (value?: number | string): Date; now(): number; }
declare var Date: DateConstructor;
interface Error { name: string; message: string; stack?: string; }
interface ErrorConstructor { new (message?: string): Error; (message?: string): Error; }
declare var Error: ErrorConstructor;
interface ReadonlyArray<T> { readonly length: number; indexOf(searchElement: T, fromIndex?: number): number; includes(searchElement: T, fromIndex?: number): boolean; join(separator?: string): string; map<U>(callbackfn: (value: T, index: number, array: readonly T[]) => U, thisArg?: any): U[]; filter(predicate: (value: T, index: number, array: readonly T[]) => unknown, thisArg?: any): T[]; forEach(callbackfn: (value: T, index: number, array: readonly T[]) => void, thisArg?: any): void; slice(start?: number, end?: number): T[]; find(predicate: (value: T, index: number, obj: readonly T[]) => unknown, thisArg?: any): T | undefined; }
interface Array<T> { length: number; push(...items: T[]): number; pop(): T | undefined; shift(): T | undefined; unshift(...items: T[]): number; concat(...items: (T | T[])[]): T[]; join(separator?: string): string; reverse(): T[]; slice(start?: number, end?: number): T[]; sort(compareFn?: (a: T, b: T) => number): this; splice(start: number, deleteCount?: number, ...items: T[]): T[]; indexOf(searchElement: T, fromIndex?: number): number; includes(searchElement: T, fromIndex?: number): boolean; every(predicate: (value: T, index: number, array: T[]) => unknown, thisArg?: any): boolean; some(predicate: (value: T, index: number, array: T[]) => unknown, thisArg?: any): boolean; forEach(callbackfn: (value: T, index: number, array: T[]) => void, thisArg?: any): void; map<U>(callbackfn: (value: T, index: number, array: T[]) => U, thisArg?: any): U[]; filter(predicate: (value: T, index: number, array: T[]) => unknown, thisArg?: any): T[]; reduce<U>(callbackfn: (previousValue: U, currentValue: T, currentIndex: number, array: T[]) => U, initialValue: U): U; find(predicate: (value: T, index: number, obj: T[]) => unknown, thisArg?: any): T | undefined; findIndex(predicate: (value: T, index: number, obj: T[]) => unknown, thisArg?: any): number; fill(value: T, start?: number, end?: number): this; keys(): IterableIterator<number>; entries(): IterableIterator<[number, T]>; flat(): T[]; [n: number]: T; }
interface ArrayConstructor { new <T>(...items: T[]): T[]; isArray(arg: any): arg is any[]; from<T>(arrayLike: Iterable<T>): T[]; of<T>(...items: T[]): T[]; }
declare var Array: ArrayConstructor;
interface IterableIterator<T> { next(): { value: T; done?: boolean }; }
interface Iterable<T> { }
interface PromiseLike<T> { then<TResult1 = T, TResult2 = never>(onfulfilled?: ((value: T) => TResult1 | PromiseLike<TResult1>) | undefined | null, onrejected?: ((reason: any) => TResult2 | PromiseLike<TResult2>) | undefined | null): PromiseLike<TResult1 | TResult2>; }
interface Promise<T> { then<TResult1 = T, TResult2 = never>(onfulfilled?: ((value: T) => TResult1 | PromiseLike<TResult1>) | undefined | null, onrejected?: ((reason: any) => TResult2 | PromiseLike<TResult2>) | undefined | null): Promise<TResult1 | TResult2>; catch<TResult = never>(onrejected?: ((reason: any) => TResult | PromiseLike<TResult>) | undefined | null): Promise<T | TResult>; finally(onfinally?: (() => void) | undefined | null): Promise<T>; }
interface PromiseConstructor { new <T>(executor: (resolve: (value: T | PromiseLike<T>) => void, reject: (reason?: any) => void) => void): Promise<T>; resolve<T>(value: T): Promise<Awaited<T>>; reject<T = never>(reason?: any): Promise<T>; all<T>(values: Iterable<T | PromiseLike<T>>): Promise<Awaited<T>[]>; }
declare var Promise: PromiseConstructor;
interface Map<K, V> { clear(): void; delete(key: K): boolean; forEach(callbackfn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: any): void; get(key: K): V | undefined; has(key: K): boolean; set(key: K, value: V): this; readonly size: number; keys(): IterableIterator<K>; values(): IterableIterator<V>; entries(): IterableIterator<[K, V]>; }
interface MapConstructor { new <K, V>(entries?: readonly (readonly [K, V])[] | null): Map<K, V>; }
declare var Map: MapConstructor;
interface Set<T> { add(value: T): this; clear(): void; delete(value: T): boolean; has(value: T): boolean; readonly size: number; forEach(callbackfn: (value: T, value2: T, set: Set<T>) => void, thisArg?: any): void; }
interface SetConstructor { new <T = any>(values?: readonly T[] | null): Set<T>; }
declare var Set: SetConstructor;
interface Math { readonly PI: number; abs(x: number): number; ceil(x: number): number; floor(x: number): number; max(...values: number[]): number; min(...values: number[]): number; pow(x: number, y: number): number; random(): number; round(x: number): number; sqrt(x: number): number; }
declare var Math: Math;
interface JSON { parse(text: string, reviver?: (this: any, key: string, value: any) => any): any; stringify(value: any, replacer?: (number | string)[] | null, space?: string | number): string; }
declare var JSON: JSON;
interface Console { log(...data: any[]): void; error(...data: any[]): void; warn(...data: any[]): void; info(...data: any[]): void; }
declare var console: Console;
declare var NaN: number;
declare var Infinity: number;
declare function parseInt(string: string, radix?: number): number;
declare function parseFloat(string: string): number;
declare function isNaN(number: number): boolean;
declare function setTimeout(handler: (...args: any[]) => void, timeout?: number): number;
type PropertyKey = string | number | symbol;
type Partial<T> = { [P in keyof T]?: T[P] };
type Readonly<T> = { readonly [P in keyof T]: T[P] };
type Record<K extends keyof any, T> = { [P in K]: T };
type Awaited<T> = T extends PromiseLike<infer U> ? U : T;
