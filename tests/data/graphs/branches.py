def classify(n):
    if n < 0:
        label = "neg"
    elif n == 0:
        label = "zero"
    else:
        label = "pos"
    return label


def early(v):
    if v is None:
        return 0
    w = v
    return w
# expect: cfg_true if_statement@2 -> expression_statement@3
# expect: cfg_false if_statement@2 -> elif_clause@4
# expect: cfg_true elif_clause@4 -> expression_statement@5
# expect: cfg_false elif_clause@4 -> expression_statement@7
# expect: cfg_next expression_statement@3 -> return_statement@8
# expect: cfg_next expression_statement@5 -> return_statement@8
# expect: cfg_next expression_statement@7 -> return_statement@8
# expect: cfg_return return_statement@8 -> exit:classify
# expect: dfg name_store:label@3 -> name_load:label@8
# expect: dfg name_store:label@5 -> name_load:label@8
# expect: dfg name_store:label@7 -> name_load:label@8
# expect: dfg parameter:n@1 -> name_load:n@4
# expect: cfg_return return_statement@13 -> exit:early
# expect: cfg_false if_statement@12 -> expression_statement@14
# expect-not: cfg_next return_statement@13 -> expression_statement@14
# expect: return return_statement@8 -> function_definition@1
# expect: return return_statement@15 -> function_definition@11
# scope: classify function
