function classify(n: number): string {
  let label = "zero";
  if (n < 0) {
    label = "neg";
  } else if (n > 0) {
    label = "pos";
  }
  return label;
}

function pick(kind: string): number {
  switch (kind) {
    case "a":
      return 1;
    case "b":
    case "c":
      break;
    default:
      kind = "other";
  }
  return kind.length;
}

function guarded(f: () => void): boolean {
  try {
    f();
  } catch (err) {
    return false;
  } finally {
    console.log("done");
  }
  return true;
}
// expect: cfg_true if_statement@3 -> expression_statement@4
// expect: cfg_false if_statement@3 -> if_statement@5
// expect: cfg_true if_statement@5 -> expression_statement@6
// expect: cfg_false if_statement@5 -> return_statement@8
// expect: cfg_return return_statement@8 -> exit:classify
// expect: dfg name_store:label@2 -> name_load:label@8
// expect: dfg name_store:label@4 -> name_load:label@8
// expect: dfg name_store:label@6 -> name_load:label@8
// expect: cfg_true switch_statement@12 -> switch_case@13
// expect: cfg_next switch_case@15 -> switch_case@16
// expect: cfg_next break_statement@17 -> return_statement@21
// expect: dfg name_store:kind@19 -> name_load:kind@21
// expect: dfg parameter:kind@11 -> name_load:kind@21
// expect-not: dfg parameter:kind@11 -> name_store:kind@19
// expect: cfg_exception expression_statement@26 -> catch_clause@27
// expect: cfg_return return_statement@28 -> exit:guarded
// expect: cfg_next expression_statement@26 -> expression_statement@30
