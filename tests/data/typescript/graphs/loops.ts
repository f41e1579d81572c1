function total(xs: number[]): number {
  let sum = 0;
  for (const x of xs) {
    if (x < 0) continue;
    sum += x;
  }
  outer: for (let i = 0; i < 3; i++) {
    while (true) {
      break outer;
    }
  }
  do {
    sum--;
  } while (sum > 100);
  return sum;
}
// expect: cfg_true for_in_statement@3 -> if_statement@4
// expect: cfg_loop_back continue_statement@4 -> for_in_statement@3
// expect: cfg_loop_back expression_statement@5 -> for_in_statement@3
// expect: cfg_false for_in_statement@3 -> labeled_statement@7
// expect: cfg_next break_statement@9 -> do_statement@12
// expect: dfg name_store:sum@2 -> name_store:sum@5
// expect: dfg name_store:sum@5 -> name_load:sum@15
// expect: dfg name_store:x@3 -> name_load:x@5
// symbol: x scope=total kind=variable defs=1 uses=2
