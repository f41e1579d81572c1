def search(items, target):
    found = None
    for i, item in enumerate(items):
        if item == target:
            found = i
            break
        if item is None:
            continue
        print(item)
    else:
        found = -1
    return found


def countdown(n):
    while n > 0:
        n -= 1
    else:
        print("done")
    return n
# expect: cfg_true for_statement@3 -> if_statement@4
# expect: cfg_false for_statement@3 -> expression_statement@11
# expect: cfg_next break_statement@6 -> return_statement@12
# expect-not: cfg_next break_statement@6 -> expression_statement@11
# expect: cfg_loop_back continue_statement@8 -> for_statement@3
# expect: cfg_loop_back expression_statement@9 -> for_statement@3
# expect-not: dfg name_store:found@2 -> name_load:found@12
# expect: dfg name_store:found@5 -> name_load:found@12
# expect: dfg name_store:found@11 -> name_load:found@12
# expect: dfg name_store:item@3 -> name_load:item@9
# expect: dfg parameter:items@1 -> name_load:items@3
# expect: cfg_true while_statement@16 -> expression_statement@17
# expect: cfg_loop_back expression_statement@17 -> while_statement@16
# expect: cfg_false while_statement@16 -> expression_statement@19
# expect: dfg name_store:n@17 -> name_load:n@16
# expect: dfg name_store:n@17 -> name_store:n@17
# expect: dfg parameter:n@15 -> name_load:n@20
# expect: dfg name_store:n@17 -> name_load:n@20
