const square = (x: number) => x * x;

function area(w: number, h = 2, ...rest: number[]): number {
  return square(w) * h + rest.length;
}

function unpack({ a, b: [c] }: { a: number; b: number[] }, [d, e = 1]: number[]) {
  return a + c + d + e;
}

const later = function named(n: number): number {
  return n <= 0 ? 0 : named(n - 1);
};

area(3);
hoisted();
function hoisted() {}
// expect: call call:square@4 -> arrow_function@1
// expect: return arrow_function@1 -> call:square@4
// expect: return binary_expression@1 -> arrow_function@1
// expect: cfg_return binary_expression@1 -> exit:square
// expect: call call:area@15 -> function_declaration@3
// expect: return return_statement@4 -> function_declaration@3
// expect: dfg parameter:w@3 -> name_load:w@4
// expect: dfg parameter:rest@3 -> name_load:rest@4
// expect: dfg parameter:c@7 -> name_load:c@8
// expect: dfg parameter:e@7 -> name_load:e@8
// expect: call call:named@12 -> function_expression@11
// expect: call call:hoisted@16 -> function_declaration@17
// expect: dfg name_store:hoisted@17 -> name_load:hoisted@16
// symbol: a scope=unpack kind=parameter defs=1 uses=1
// scope: named function
